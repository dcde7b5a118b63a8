/*
 * The connection pool. Opening is non-blocking with our own deadline:
 * libpq's connect_timeout has a two-second floor, and a request must learn
 * within a second that the database is gone.
 */
#include "store/db.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct db_conn {
    PGconn    *pg;
    struct db *db;
    bool       in_use;
    /* Lent with a connection opened for an earlier request, and nothing run
     * on it yet: if it died while idle, reopening and retrying is safe. */
    bool       reused;
};

/* A caller waiting for a connection: release hands one to the first. */
struct db_waiter {
    pthread_cond_t    handed;
    struct db_conn   *slot;
    struct db_waiter *next;
};

struct db {
    const char       *conninfo;
    unsigned          connect_timeout_ms;
    unsigned          statement_timeout_ms;
    unsigned          size;
    pthread_mutex_t   lock;
    /* Who waits for a slot, first come first. */
    struct db_waiter *first, *last;
    struct db_conn   *slots;
};

struct db *
db_create(const char *conninfo, unsigned size, unsigned connect_timeout_ms,
          unsigned statement_timeout_ms)
{
    struct db *db = calloc(1, sizeof(*db));

    if (db == NULL)
        return NULL;
    db->slots = calloc(size, sizeof(db->slots[0]));
    if (db->slots == NULL) {
        free(db);
        return NULL;
    }
    for (unsigned i = 0; i < size; i++)
        db->slots[i].db = db;
    db->conninfo = conninfo;
    db->size = size;
    db->connect_timeout_ms = connect_timeout_ms;
    db->statement_timeout_ms = statement_timeout_ms;
    pthread_mutex_init(&db->lock, NULL);
    return db;
}

void
db_destroy(struct db *db)
{
    if (db == NULL)
        return;
    for (unsigned i = 0; i < db->size; i++)
        PQfinish(db->slots[i].pg);
    pthread_mutex_destroy(&db->lock);
    free(db->slots);
    free(db);
}

static long
ms_until(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* The time on `clock` ms milliseconds from now. */
static struct timespec
deadline_in(clockid_t clock, unsigned ms)
{
    struct timespec at;

    clock_gettime(clock, &at);
    at.tv_sec += ms / 1000;
    at.tv_nsec += (long)(ms % 1000) * 1000000;
    if (at.tv_nsec >= 1000000000) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000;
    }
    return at;
}

/* Drives PQconnectPoll until connected, failed, or past the deadline. */
static PGconn *
connect_by(const char *conninfo, unsigned timeout_ms)
{
    struct timespec         deadline = deadline_in(CLOCK_MONOTONIC, timeout_ms);
    PGconn                 *pg = PQconnectStart(conninfo);
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;

    if (pg == NULL)
        return NULL;
    while (PQstatus(pg) != CONNECTION_BAD && state != PGRES_POLLING_OK
           && state != PGRES_POLLING_FAILED) {
        struct pollfd pfd = {.fd = PQsocket(pg),
                             .events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        long          left = ms_until(&deadline);

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        state = PQconnectPoll(pg);
    }
    if (state != PGRES_POLLING_OK) {
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* Session settings and every named statement, once per connection. */
static int
prepare_all(struct db *db, PGconn *pg)
{
    char      set_timeout[64];
    PGresult *res;
    bool      ok;

    snprintf(set_timeout, sizeof(set_timeout), "SET statement_timeout = %u",
             db->statement_timeout_ms);
    res = PQexec(pg, set_timeout);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    for (int i = 0; ok && i < STMT_COUNT; i++) {
        res = PQprepare(pg, statements[i].name, statements[i].sql, statements[i].param_count,
                        NULL);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            log_error("db: cannot prepare %s: %s", statements[i].name,
                      PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(res);
    }
    return ok ? 0 : -1;
}

/* A free slot, marked in use; NULL when every slot is lent. Called with
 * the lock held. */
static struct db_conn *
free_slot(struct db *db)
{
    for (unsigned i = 0; i < db->size; i++)
        if (!db->slots[i].in_use) {
            db->slots[i].in_use = true;
            return &db->slots[i];
        }
    return NULL;
}

/* Takes me out of the queue after its wait ran out. Called with the lock
 * held. */
static void
queue_leave(struct db *db, struct db_waiter *me)
{
    struct db_waiter **at = &db->first, *prev = NULL;

    while (*at != me) {
        prev = *at;
        at = &(*at)->next;
    }
    *at = me->next;
    if (db->last == me)
        db->last = prev;
}

/* A slot, or NULL after waiting as long as a statement may run (at least
 * a second; 0, no limit, waits as long as it takes) without one: a caller
 * behind others waits for their statements. Callers are served in the
 * order they came: db_release hands a slot to the first in the queue.
 * Woken by a shared condition variable instead, any waiter could take it,
 * or a caller that had not waited at all, and under load some requests
 * waited many turns. */
static struct db_conn *
take_slot(struct db *db)
{
    struct timespec  deadline;
    struct db_waiter me = {.slot = NULL, .next = NULL};
    unsigned         wait_ms = db->statement_timeout_ms == 0 ? 0
                               : db->statement_timeout_ms < 1000 ? 1000
                                                                 : db->statement_timeout_ms;

    pthread_mutex_lock(&db->lock);
    /* A slot is free only while nobody waits (db_release). */
    me.slot = free_slot(db);
    if (me.slot == NULL) {
        /* pthread_cond_timedwait's default clock. */
        deadline = deadline_in(CLOCK_REALTIME, wait_ms);
        pthread_cond_init(&me.handed, NULL);
        if (db->last != NULL)
            db->last->next = &me;
        else
            db->first = &me;
        db->last = &me;
        while (me.slot == NULL
               && (wait_ms == 0 ? pthread_cond_wait(&me.handed, &db->lock)
                                : pthread_cond_timedwait(&me.handed, &db->lock, &deadline))
                      == 0)
            continue;
        if (me.slot == NULL)
            queue_leave(db, &me);
        pthread_cond_destroy(&me.handed);
    }
    pthread_mutex_unlock(&db->lock);
    return me.slot;
}

/* (Re)opens the slot's connection. Returns 0, or -1 with slot->pg NULL. */
static int
slot_open(struct db *db, struct db_conn *slot)
{
    PQfinish(slot->pg);
    slot->pg = connect_by(db->conninfo, db->connect_timeout_ms);
    if (slot->pg != NULL && prepare_all(db, slot->pg) != 0) {
        PQfinish(slot->pg);
        slot->pg = NULL;
    }
    return slot->pg != NULL ? 0 : -1;
}

struct db_conn *
db_acquire(struct db *db)
{
    struct db_conn *slot = take_slot(db);

    if (slot == NULL)
        return NULL;
    slot->reused = slot->pg != NULL && PQstatus(slot->pg) == CONNECTION_OK;
    if (!slot->reused && slot_open(db, slot) != 0) {
        db_release(db, slot);
        return NULL;
    }
    return slot;
}

void
db_release(struct db *db, struct db_conn *conn)
{
    if (conn == NULL)
        return;
    /* A connection left inside a transaction (a bug, or an error path that
     * could not roll back) must not leak into the next request. */
    if (conn->pg != NULL && PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
        PQfinish(conn->pg);
        conn->pg = NULL;
    }
    pthread_mutex_lock(&db->lock);
    if (db->first != NULL) {
        struct db_waiter *next = db->first;

        db->first = next->next;
        if (db->first == NULL)
            db->last = NULL;
        next->slot = conn;
        pthread_cond_signal(&next->handed);
    } else {
        conn->in_use = false;
    }
    pthread_mutex_unlock(&db->lock);
}

unsigned
db_waiting(struct db *db)
{
    unsigned count = 0;

    pthread_mutex_lock(&db->lock);
    for (const struct db_waiter *w = db->first; w != NULL; w = w->next)
        count++;
    pthread_mutex_unlock(&db->lock);
    return count;
}

/* How a statement failed, from its SQLSTATE: the database is not there
 * right now (08 connection exception, 57P0x shutdown / cannot connect, 53
 * resources), the statement ran out of time (57014 query_canceled: the
 * service cancels through statement_timeout, and the janitor its own
 * upkeep when it stops), or it was refused. */
static enum store_status
failure_of(PGconn *pg, const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (pg == NULL || PQstatus(pg) != CONNECTION_OK || state == NULL)
        return STORE_UNAVAILABLE;
    if (strcmp(state, "57014") == 0)
        return STORE_TIMEOUT;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0
        || strncmp(state, "53", 2) == 0)
        return STORE_UNAVAILABLE;
    return STORE_FAILED;
}

PGresult *
db_run(struct db_conn *conn, enum statement id, const char *const *params,
       enum store_status *status)
{
    PGresult      *res = PQexecPrepared(conn->pg, statements[id].name, statements[id].param_count,
                                        params, NULL, NULL, 0);
    ExecStatusType result = PQresultStatus(res);

    /* An idle connection the server closed (a restart) fails on first use;
     * nothing ran on it in this request, so one fresh attempt is safe. */
    if (result == PGRES_FATAL_ERROR && conn->reused && PQstatus(conn->pg) == CONNECTION_BAD) {
        PQclear(res);
        res = NULL;
        if (slot_open(conn->db, conn) == 0)
            res = PQexecPrepared(conn->pg, statements[id].name, statements[id].param_count,
                                 params, NULL, NULL, 0);
        result = PQresultStatus(res);
    }
    conn->reused = false;

    if (result == PGRES_TUPLES_OK || result == PGRES_COMMAND_OK) {
        *status = STORE_OK;
        return res;
    }
    *status = failure_of(conn->pg, res);
    /* SQLSTATE and the statement name only: the message may quote values. */
    log_error("db: %s failed sqlstate=%s", statements[id].name,
              res != NULL && PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL
                  ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "-");
    PQclear(res);
    return NULL;
}

enum store_status
db_run_json(struct db_conn *conn, enum statement id, const char *const *params, json_t **out)
{
    enum store_status status;
    PGresult         *res = db_run(conn, id, params, &status);

    *out = NULL;
    if (res == NULL)
        return status;
    if (PQntuples(res) == 0) {
        status = STORE_NOT_FOUND;
    } else {
        *out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        status = *out != NULL ? STORE_OK : STORE_FAILED;
    }
    PQclear(res);
    return status;
}

enum store_status
db_run_command(struct db_conn *conn, enum statement id)
{
    enum store_status status;

    PQclear(db_run(conn, id, NULL, &status));
    return status;
}

enum store_status
db_begin(struct db_conn *conn)
{
    return db_run_command(conn, STMT_BEGIN);
}

enum store_status
db_commit(struct db_conn *conn)
{
    return db_run_command(conn, STMT_COMMIT);
}

void
db_rollback(struct db_conn *conn)
{
    if (conn->pg != NULL && PQstatus(conn->pg) == CONNECTION_OK)
        db_run_command(conn, STMT_ROLLBACK);
}

static const char *
sqlstate_of(const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return state != NULL ? state : "-";
}

enum store_status
db_run_on(struct db_conn *conn, const char *command, const char *identifier)
{
    char             *quoted = PQescapeIdentifier(conn->pg, identifier, strlen(identifier));
    char             *sql = NULL;
    PGresult         *res = NULL;
    enum store_status status = STORE_FAILED;

    conn->reused = false;
    if (quoted != NULL && asprintf(&sql, "%s %s", command, quoted) < 0)
        sql = NULL;  /* asprintf leaves it undefined */
    if (sql != NULL) {
        res = PQexec(conn->pg, sql);
        status = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : failure_of(conn->pg, res);
        if (status != STORE_OK)
            log_error("db: %s failed sqlstate=%s", command, sqlstate_of(res));
    }
    PQclear(res);
    free(sql);
    PQfreemem(quoted);
    return status;
}

PGcancel *
db_cancel_handle(struct db_conn *conn)
{
    return PQgetCancel(conn->pg);
}

enum store_status
db_copy_begin(struct db_conn *conn, const char *copy_sql)
{
    PGresult         *res = PQexec(conn->pg, copy_sql);
    enum store_status status = STORE_OK;

    conn->reused = false;
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        status = failure_of(conn->pg, res);
        log_error("db: COPY failed sqlstate=%s", sqlstate_of(res));
    }
    PQclear(res);
    return status;
}

enum store_status
db_copy_put(struct db_conn *conn, const char *data, size_t len)
{
    /* PQputCopyData takes an int length: hand over large data in parts. */
    const size_t part_max = 1 << 20;

    while (len > 0) {
        size_t part = len < part_max ? len : part_max;

        if (PQputCopyData(conn->pg, data, (int)part) != 1) {
            log_error("db: COPY data could not be sent");
            return PQstatus(conn->pg) != CONNECTION_OK ? STORE_UNAVAILABLE : STORE_FAILED;
        }
        data += part;
        len -= part;
    }
    return STORE_OK;
}

enum store_status
db_copy_end(struct db_conn *conn, const char *abort_reason)
{
    enum store_status status = STORE_OK;
    PGresult         *res;

    if (PQputCopyEnd(conn->pg, abort_reason) != 1) {
        log_error("db: COPY end could not be sent");
        return PQstatus(conn->pg) != CONNECTION_OK ? STORE_UNAVAILABLE : STORE_FAILED;
    }
    /* The COPY's own result, then NULL; an abort comes back as an error. */
    while ((res = PQgetResult(conn->pg)) != NULL) {
        ExecStatusType result = PQresultStatus(res);

        if (result != PGRES_COMMAND_OK && status == STORE_OK) {
            status = failure_of(conn->pg, res);
            if (abort_reason == NULL)
                log_error("db: COPY failed sqlstate=%s", sqlstate_of(res));
        }
        PQclear(res);
        /* Still copying after the end was sent: asking again would loop. */
        if (result == PGRES_COPY_IN)
            break;
    }
    return status;
}
