/*
 * Configuration from the environment, read and validated once at start.
 */
#ifndef FRAUD_CONFIG_H
#define FRAUD_CONFIG_H

#include <stddef.h>

struct config {
    const char *database_url;       /* borrowed from the environment */
    const char *listen_addr;
    const char *migrations_dir;
    unsigned    port;
    unsigned    threads;
    unsigned    db_connect_timeout_ms;
    unsigned    statement_timeout_ms;
    size_t      body_max;
    /* Idempotency keys: how often expired ones are purged, and how long
     * they are kept (at least 24 h). */
    unsigned    idempotency_purge_interval_s;
    unsigned    idempotency_ttl_h;
};

/* Fills *cfg from the environment. Returns 0, or -1 after printing which
 * variable is wrong. The strings stay owned by the environment. */
int config_load(struct config *cfg);

#endif
