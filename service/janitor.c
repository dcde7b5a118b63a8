/*
 * The janitor thread. It sleeps on a condition variable, so janitor_stop
 * wakes it at once instead of waiting out the interval, and it shows the
 * stopper how to cancel the rebuild it runs.
 */
#include "janitor.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "domain/timestamp.h"
#include "log.h"
#include "store/idempotency_store.h"
#include "store/rollups_store.h"

struct janitor {
    struct db            *db;
    struct db            *upkeep;
    struct janitor_config cfg;
    pthread_t             thread;
    pthread_mutex_t       lock;
    pthread_cond_t        wake;   /* on CLOCK_MONOTONIC: a clock change moves no purge */
    atomic_bool           stop;
    PGcancel             *rebuild;  /* under lock: cancels the rebuild under way */
};

long
janitor_purge(struct db *db, unsigned ttl_h, const atomic_bool *stop)
{
    long total = 0;
    long deleted = JANITOR_PURGE_BATCH;

    /* A short batch means nothing expired is left (or the rest is held by
     * a request right now: the next round gets it). */
    while (deleted == JANITOR_PURGE_BATCH && (stop == NULL || !atomic_load(stop))) {
        struct db_conn   *conn = db_acquire(db);
        enum store_status status = STORE_UNAVAILABLE;

        if (conn != NULL)
            status = idempotency_store_purge(conn, ttl_h, JANITOR_PURGE_BATCH, &deleted);
        db_release(db, conn);
        if (status != STORE_OK)
            return -1;
        total += deleted;
    }
    return total;
}

/* Shows janitor_stop how to cancel what conn is about to run (handle), or
 * that it ended (NULL). Returns false, and shows nothing, when stopping. */
static bool
show_rebuild(struct janitor *janitor, PGcancel *handle)
{
    bool stopping;

    if (janitor == NULL)
        return true;
    pthread_mutex_lock(&janitor->lock);
    stopping = atomic_load(&janitor->stop);
    janitor->rebuild = stopping ? NULL : handle;
    pthread_mutex_unlock(&janitor->lock);
    return !stopping;
}

/* Drops or rebuilds one index, cancellable by janitor_stop when janitor is
 * not NULL, and logs what it did. */
static enum store_status
fix(struct db_conn *conn, const struct rollups_index *index, struct janitor *janitor)
{
    PGcancel         *handle = janitor != NULL ? db_cancel_handle(conn) : NULL;
    enum store_status status = STORE_TIMEOUT;
    struct timespec   start;
    long long         bytes;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (show_rebuild(janitor, handle)) {
        status = rollups_store_fix(conn, index, &bytes);
        show_rebuild(janitor, NULL);
    }
    PQfreeCancel(handle);
    if (status == STORE_OK && index->leftover)
        log_info("janitor: dropped %s, left by an interrupted rebuild", index->name);
    else if (status == STORE_OK)
        log_info("janitor: rebuilt %s in %.1f s: %lld MiB, was %lld MiB", index->name,
                 timestamp_seconds_since(&start), bytes >> 20, index->bytes >> 20);
    return status;
}

/* janitor_reindex, cancellable by janitor_stop when janitor is not NULL. */
static long
reindex(struct db *db, unsigned percent, long long min_bytes, struct janitor *janitor)
{
    struct db_conn      *conn = db_acquire(db);
    struct rollups_index indexes[ROLLUPS_INDEXES_MAX];
    size_t               count = 0;
    bool                 taken = false;
    long                 done = -1;

    if (conn != NULL && rollups_store_lock(conn, &taken) == STORE_OK)
        done = 0;
    if (taken && rollups_store_indexes(conn, percent, min_bytes, indexes, &count) != STORE_OK)
        done = -1;
    for (size_t i = 0; done >= 0 && i < count; i++) {
        enum store_status status = fix(conn, &indexes[i], janitor);

        if (status == STORE_TIMEOUT && janitor != NULL && atomic_load(&janitor->stop))
            break;
        done = status == STORE_OK ? done + 1 : -1;
    }
    /* Closing the session gives the lock back too: best effort. */
    if (taken)
        rollups_store_unlock(conn);
    db_release(db, conn);
    return done;
}

long
janitor_reindex(struct db *db, unsigned percent, long long min_bytes)
{
    return reindex(db, percent, min_bytes, NULL);
}

/* Sleeps until `deadline` or janitor_stop. Returns false when stopping. */
static bool
sleep_until(struct janitor *janitor, const struct timespec *deadline)
{
    bool stopping;

    pthread_mutex_lock(&janitor->lock);
    while (!atomic_load(&janitor->stop)
           && pthread_cond_timedwait(&janitor->wake, &janitor->lock, deadline) != ETIMEDOUT)
        ;
    stopping = atomic_load(&janitor->stop);
    pthread_mutex_unlock(&janitor->lock);
    return !stopping;
}

static void *
janitor_run(void *arg)
{
    struct janitor *janitor = arg;
    struct timespec next;

    do {
        const struct janitor_config *cfg = &janitor->cfg;
        long deleted = janitor_purge(janitor->db, cfg->ttl_h, &janitor->stop);

        if (deleted < 0)
            log_warn("janitor: purging expired idempotency keys failed; next try in %u s",
                     cfg->interval_s);
        else if (deleted > 0)
            log_info("janitor: purged %ld expired idempotency keys", deleted);
        if (cfg->reindex_percent > 0 && !atomic_load(&janitor->stop)
            && reindex(janitor->upkeep, cfg->reindex_percent, JANITOR_REINDEX_MIN_BYTES, janitor)
                   < 0)
            log_warn("janitor: rebuilding rollup indexes failed; next try in %u s",
                     cfg->interval_s);
        clock_gettime(CLOCK_MONOTONIC, &next);
        next.tv_sec += cfg->interval_s;
    } while (sleep_until(janitor, &next));
    return NULL;
}

struct janitor *
janitor_start(struct db *db, struct db *upkeep, const struct janitor_config *cfg)
{
    struct janitor    *janitor = calloc(1, sizeof(*janitor));
    pthread_condattr_t attr;

    if (janitor == NULL) {
        log_error("janitor: out of memory");
        return NULL;
    }
    janitor->db = db;
    janitor->upkeep = upkeep;
    janitor->cfg = *cfg;
    atomic_init(&janitor->stop, false);
    pthread_mutex_init(&janitor->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&janitor->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&janitor->thread, NULL, janitor_run, janitor) != 0) {
        log_error("janitor: cannot start its thread");
        pthread_cond_destroy(&janitor->wake);
        pthread_mutex_destroy(&janitor->lock);
        free(janitor);
        return NULL;
    }
    return janitor;
}

void
janitor_stop(struct janitor *janitor)
{
    if (janitor == NULL)
        return;
    pthread_mutex_lock(&janitor->lock);
    atomic_store(&janitor->stop, true);
    pthread_cond_signal(&janitor->wake);
    if (janitor->rebuild != NULL) {
        char why[256];

        PQcancel(janitor->rebuild, why, sizeof(why));
    }
    pthread_mutex_unlock(&janitor->lock);
    pthread_join(janitor->thread, NULL);
    pthread_cond_destroy(&janitor->wake);
    pthread_mutex_destroy(&janitor->lock);
    free(janitor);
}
