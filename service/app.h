/*
 * What every handler shares: configuration, the connection pool, the
 * current code-list snapshot and how many migrations readiness expects.
 */
#ifndef FRAUD_APP_H
#define FRAUD_APP_H

#include <pthread.h>
#include <time.h>

#include "config.h"
#include "domain/vocab.h"
#include "http/ratelimit.h"
#include "store/db.h"

/* Code lists are reloaded at most this often, and only when a report
 * names a code the snapshot does not know: new codes are data. */
#define APP_VOCAB_REFRESH_S 10

struct app {
    const struct config *cfg;
    struct db           *db;
    int                  migrations_expected;
    pthread_mutex_t      vocab_lock;
    struct vocab        *vocab;
    time_t               vocab_loaded_at;
    /* One bucket per key, and per address for callers without one; the
     * classes are indexed by enum config_rate_class. */
    struct ratelimit    *limits;
};

/* Loads the first snapshot and makes the rate limit table. Borrows cfg
 * and db for the app's lifetime. Returns 0, or -1 when the database
 * cannot give the code lists or memory is short. */
int app_init(struct app *app, const struct config *cfg, struct db *db, int migrations_expected);

void app_fini(struct app *app);

/* Returns a new reference to the current snapshot; vocab_unref it. */
struct vocab *app_vocab(struct app *app);

/* Reloads the snapshot through conn unless that was done in the last
 * APP_VOCAB_REFRESH_S seconds. Returns a new reference to the fresh one,
 * or NULL when nothing was reloaded. */
struct vocab *app_vocab_refresh(struct app *app, struct db_conn *conn);

#endif
