/*
 * Shared application state. The snapshot pointer is swapped under a mutex;
 * readers hold their own reference, so a reload never frees a list that a
 * request is still validating against.
 */
#include "app.h"

#include <stdbool.h>

#include "log.h"
#include "store/vocab_store.h"

/* The policy names are what clients see in RateLimit-Policy. */
static struct ratelimit *
limits_create(const struct config *cfg)
{
    static const char *const names[CONFIG_RATE_CLASSES] = {
        [CONFIG_RATE_PUBLIC] = "public",
        [CONFIG_RATE_POLICE] = "police",
        [CONFIG_RATE_ANALYST] = "analyst",
        [CONFIG_RATE_ADMIN] = "admin",
        [CONFIG_RATE_ADDRESS] = "address",
    };
    struct ratelimit_class classes[CONFIG_RATE_CLASSES];

    for (int i = 0; i < CONFIG_RATE_CLASSES; i++)
        classes[i] = (struct ratelimit_class){names[i], cfg->rate[i].quota, cfg->rate[i].window_s};
    return ratelimit_create(classes, CONFIG_RATE_CLASSES, cfg->rate_limit_slots);
}

int
app_init(struct app *app, const struct config *cfg, struct db *db, int migrations_expected)
{
    struct db_conn   *conn = db_acquire(db);
    enum store_status status = STORE_UNAVAILABLE;

    app->cfg = cfg;
    app->db = db;
    app->migrations_expected = migrations_expected;
    app->vocab = NULL;
    app->limits = NULL;
    pthread_mutex_init(&app->vocab_lock, NULL);
    if (conn != NULL)
        status = vocab_store_load(conn, &app->vocab);
    db_release(db, conn);
    if (status != STORE_OK) {
        log_error("cannot load the code lists from the database");
        pthread_mutex_destroy(&app->vocab_lock);
        return -1;
    }
    app->vocab_loaded_at = time(NULL);
    app->limits = limits_create(cfg);
    if (app->limits == NULL) {
        log_error("cannot make the rate limit table of %u buckets", cfg->rate_limit_slots);
        app_fini(app);
        return -1;
    }
    return 0;
}

void
app_fini(struct app *app)
{
    ratelimit_destroy(app->limits);
    app->limits = NULL;
    vocab_unref(app->vocab);
    app->vocab = NULL;
    pthread_mutex_destroy(&app->vocab_lock);
}

struct vocab *
app_vocab(struct app *app)
{
    struct vocab *vocab;

    pthread_mutex_lock(&app->vocab_lock);
    vocab = vocab_ref(app->vocab);
    pthread_mutex_unlock(&app->vocab_lock);
    return vocab;
}

struct vocab *
app_vocab_refresh(struct app *app, struct db_conn *conn)
{
    struct vocab *fresh = NULL;
    struct vocab *old;
    time_t        now = time(NULL);
    bool          stale;

    /* Claim the reload under the lock, query without it: readers never
     * wait on the database. */
    pthread_mutex_lock(&app->vocab_lock);
    stale = now - app->vocab_loaded_at >= APP_VOCAB_REFRESH_S;
    if (stale)
        app->vocab_loaded_at = now;
    pthread_mutex_unlock(&app->vocab_lock);
    if (!stale || vocab_store_load(conn, &fresh) != STORE_OK)
        return NULL;
    pthread_mutex_lock(&app->vocab_lock);
    old = app->vocab;
    app->vocab = vocab_ref(fresh);
    pthread_mutex_unlock(&app->vocab_lock);
    vocab_unref(old);
    return fresh;
}
