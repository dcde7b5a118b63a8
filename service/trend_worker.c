/*
 * The trend worker thread. Like the janitor it sleeps on a condition
 * variable, so trend_worker_stop wakes it at once; unlike it, it runs
 * often (TREND_APPLY_INTERVAL_MS), which bounds how far the rollups lag
 * behind intake: about one interval plus the time to apply.
 */
#include "trend_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "store/rollups_store.h"

/* How long a drain waits before looking again at rows another caller
 * is applying. */
#define TREND_DRAIN_WAIT_MS 20

struct trend_worker {
    struct db      *db;
    unsigned        interval_ms;
    pthread_t       thread;
    pthread_mutex_t lock;
    pthread_cond_t  wake;   /* on CLOCK_MONOTONIC: a clock change moves no batch */
    atomic_bool     stop;
    bool            failing; /* the last round failed: say so once, and when it heals */
};

/* Applies batches, each on a connection borrowed for it alone, while they
 * come back full and *stop (when stop is not NULL) is false. Returns how
 * many rows were applied, or -1 when the database failed. */
static long
apply_round(struct db *db, const atomic_bool *stop)
{
    long total = 0;
    long applied = TREND_APPLY_BATCH;

    while (applied == TREND_APPLY_BATCH && (stop == NULL || !atomic_load(stop))) {
        struct db_conn   *conn = db_acquire(db);
        enum store_status status = STORE_UNAVAILABLE;

        if (conn != NULL)
            status = rollups_store_apply(conn, TREND_APPLY_BATCH, &applied);
        db_release(db, conn);
        if (status != STORE_OK)
            return -1;
        total += applied;
    }
    return total;
}

static enum store_status
pending(struct db *db, bool *any)
{
    struct db_conn   *conn = db_acquire(db);
    enum store_status status = STORE_UNAVAILABLE;

    if (conn != NULL)
        status = rollups_store_pending(conn, any);
    db_release(db, conn);
    return status;
}

long
trend_worker_drain(struct db *db)
{
    long total = 0;
    bool any = true;

    for (;;) {
        long            applied = apply_round(db, NULL);
        struct timespec wait = {0, TREND_DRAIN_WAIT_MS * 1000000L};

        if (applied < 0 || pending(db, &any) != STORE_OK)
            return -1;
        total += applied;
        if (!any)
            return total;
        /* What is left is held by another caller until it commits. */
        if (applied == 0)
            nanosleep(&wait, NULL);
    }
}

/* Sleeps until `deadline` or trend_worker_stop. Returns false when stopping. */
static bool
sleep_until(struct trend_worker *worker, const struct timespec *deadline)
{
    bool stopping;

    pthread_mutex_lock(&worker->lock);
    while (!atomic_load(&worker->stop)
           && pthread_cond_timedwait(&worker->wake, &worker->lock, deadline) != ETIMEDOUT)
        ;
    stopping = atomic_load(&worker->stop);
    pthread_mutex_unlock(&worker->lock);
    return !stopping;
}

static void
add_ms(struct timespec *t, unsigned ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static void *
trend_worker_run(void *arg)
{
    struct trend_worker *worker = arg;
    struct timespec      next;

    do {
        long applied = apply_round(worker->db, &worker->stop);

        if (applied < 0 && !worker->failing)
            log_warn("trend worker: applying pending trend rows failed; retrying every %u ms",
                     worker->interval_ms);
        else if (applied >= 0 && worker->failing)
            log_info("trend worker: applying pending trend rows again");
        worker->failing = applied < 0;
        clock_gettime(CLOCK_MONOTONIC, &next);
        add_ms(&next, worker->interval_ms);
    } while (sleep_until(worker, &next));
    return NULL;
}

struct trend_worker *
trend_worker_start(struct db *db, unsigned interval_ms)
{
    struct trend_worker *worker = calloc(1, sizeof(*worker));
    pthread_condattr_t   attr;

    if (worker == NULL) {
        log_error("trend worker: out of memory");
        return NULL;
    }
    worker->db = db;
    worker->interval_ms = interval_ms;
    atomic_init(&worker->stop, false);
    pthread_mutex_init(&worker->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&worker->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&worker->thread, NULL, trend_worker_run, worker) != 0) {
        log_error("trend worker: cannot start its thread");
        pthread_cond_destroy(&worker->wake);
        pthread_mutex_destroy(&worker->lock);
        free(worker);
        return NULL;
    }
    return worker;
}

void
trend_worker_stop(struct trend_worker *worker)
{
    if (worker == NULL)
        return;
    pthread_mutex_lock(&worker->lock);
    atomic_store(&worker->stop, true);
    pthread_cond_signal(&worker->wake);
    pthread_mutex_unlock(&worker->lock);
    pthread_join(worker->thread, NULL);
    pthread_cond_destroy(&worker->wake);
    pthread_mutex_destroy(&worker->lock);
    free(worker);
}
