/*
 * The janitor thread. It sleeps on a condition variable, so janitor_stop
 * wakes it at once instead of waiting out the interval.
 */
#include "janitor.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "store/idempotency_store.h"

struct janitor {
    struct db      *db;
    unsigned        interval_s;
    unsigned        ttl_h;
    pthread_t       thread;
    pthread_mutex_t lock;
    pthread_cond_t  wake;   /* on CLOCK_MONOTONIC: a clock change moves no purge */
    atomic_bool     stop;
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
        long deleted = janitor_purge(janitor->db, janitor->ttl_h, &janitor->stop);

        if (deleted < 0)
            log_warn("janitor: purging expired idempotency keys failed; next try in %u s",
                     janitor->interval_s);
        else if (deleted > 0)
            log_info("janitor: purged %ld expired idempotency keys", deleted);
        clock_gettime(CLOCK_MONOTONIC, &next);
        next.tv_sec += janitor->interval_s;
    } while (sleep_until(janitor, &next));
    return NULL;
}

struct janitor *
janitor_start(struct db *db, unsigned interval_s, unsigned ttl_h)
{
    struct janitor    *janitor = calloc(1, sizeof(*janitor));
    pthread_condattr_t attr;

    if (janitor == NULL) {
        log_error("janitor: out of memory");
        return NULL;
    }
    janitor->db = db;
    janitor->interval_s = interval_s;
    janitor->ttl_h = ttl_h;
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
    pthread_mutex_unlock(&janitor->lock);
    pthread_join(janitor->thread, NULL);
    pthread_cond_destroy(&janitor->wake);
    pthread_mutex_destroy(&janitor->lock);
    free(janitor);
}
