/*
 * Configuration from the environment, read and validated once at start.
 */
#ifndef FRAUD_CONFIG_H
#define FRAUD_CONFIG_H

#include <stddef.h>

/* The rate limit classes: one per role, and one per client address for
 * callers without a valid key. */
enum config_rate_class {
    CONFIG_RATE_PUBLIC,
    CONFIG_RATE_POLICE,
    CONFIG_RATE_ANALYST,
    CONFIG_RATE_ADMIN,
    CONFIG_RATE_ADDRESS,
    CONFIG_RATE_CLASSES
};

/* A token bucket: `quota` requests, refilled over `window_s` seconds. */
struct config_rate {
    unsigned quota;
    unsigned window_s;
};

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
    /* HTTPS: the PEM texts of the certificate chain and its private key,
     * read once at start; both NULL to serve plain HTTP. Owned by the
     * config; config_free releases them. */
    char       *tls_cert_pem;
    char       *tls_key_pem;
    /* Whether POST /v1/reports (and the routes a public form needs) take
     * callers without a key, as role public, limited per address. */
    int         anonymous_submissions;
    struct config_rate rate[CONFIG_RATE_CLASSES];
    unsigned    rate_limit_slots;
    /* Trend answers hide every count under this from callers who are neither
     * analysts nor police (k-suppression). */
    unsigned    trend_k;
    /* How often the trend worker applies pending rollup rows: the bound on
     * how far the rollups lag behind intake. */
    unsigned    trend_apply_interval_ms;
    /* The janitor rebuilds a rollup index larger than this percent of its
     * estimated size when built afresh, checking with every purge; 0
     * never. */
    unsigned    rollup_reindex_percent;
};

/* Fills *cfg from the environment and, for `serve`, its flags
 * (--tls-cert PATH, --tls-key PATH, which win over TLS_CERT_FILE and
 * TLS_KEY_FILE). argv[1] is the subcommand; flags of other subcommands are
 * left to them. Returns 0, or -1 after printing which variable, flag or
 * file is wrong; on -1 nothing needs freeing. The strings other than the
 * PEM texts stay owned by the environment. */
int config_load(struct config *cfg, int argc, char **argv);

/* Frees what config_load allocated; safe on a zeroed config. */
void config_free(struct config *cfg);

#endif
