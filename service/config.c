/*
 * Environment variables, their defaults and their bounds, and the flags of
 * `serve`. README.md's configuration table lists the same.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *
env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);

    return value != NULL && *value != '\0' ? value : fallback;
}

/* Reads an unsigned number within [min, max]; -1 when malformed. */
static int
env_unsigned(const char *name, unsigned fallback, unsigned min, unsigned max, unsigned *out)
{
    const char   *text = getenv(name);
    char         *end;
    unsigned long value;

    if (text == NULL || *text == '\0') {
        *out = fallback;
        return 0;
    }
    /* strtoul would also take leading blanks, a sign, and "-1" as a huge
     * number. */
    errno = 0;
    value = strtoul(text, &end, 10);
    if (!isdigit((unsigned char)text[0]) || errno != 0 || *end != '\0' || value < min
        || value > max) {
        log_error("%s must be a whole number from %u to %u", name, min, max);
        return -1;
    }
    *out = (unsigned)value;
    return 0;
}

/* ROLLUP_REINDEX_PERCENT: 0 turns the rebuilds off; under 110 the janitor
 * would rebuild indexes whose size is within the estimate's error. */
static int
reindex_load(struct config *cfg)
{
    unsigned *percent = &cfg->rollup_reindex_percent;

    if (env_unsigned("ROLLUP_REINDEX_PERCENT", 150, 0, 10000, percent) != 0)
        return -1;
    if (*percent != 0 && *percent < 110) {
        log_error("ROLLUP_REINDEX_PERCENT must be 0 (never) or a whole number from 110 to 10000");
        return -1;
    }
    return 0;
}

/* Reads "<quota>/<window seconds>" ("600/60"); -1 when malformed. */
static int
env_rate(const char *name, struct config_rate fallback, struct config_rate *out)
{
    const char   *text = getenv(name);
    char         *end;
    unsigned long quota, window;

    *out = fallback;
    if (text == NULL || *text == '\0')
        return 0;
    errno = 0;
    quota = strtoul(text, &end, 10);
    if (isdigit((unsigned char)text[0]) && errno == 0 && *end == '/') {
        const char *rest = end + 1;

        window = strtoul(rest, &end, 10);
        if (isdigit((unsigned char)rest[0]) && errno == 0 && *end == '\0' && quota >= 1
            && quota <= 1000000 && window >= 1 && window <= 86400) {
            *out = (struct config_rate){(unsigned)quota, (unsigned)window};
            return 0;
        }
    }
    log_error("%s must read QUOTA/SECONDS, such as 600/60 (quota 1 to 1000000, window 1 to "
              "86400 s)", name);
    return -1;
}

/* The limits of each class; defaults sized for a station's case system
 * and an analyst's dashboard, stricter for public forms and for callers
 * without a key. */
static int
rates_load(struct config *cfg)
{
    static const struct {
        const char        *name;
        struct config_rate fallback;
    } classes[CONFIG_RATE_CLASSES] = {
        [CONFIG_RATE_PUBLIC] = {"RATE_LIMIT_PUBLIC", {120, 60}},
        [CONFIG_RATE_POLICE] = {"RATE_LIMIT_POLICE", {1200, 60}},
        [CONFIG_RATE_ANALYST] = {"RATE_LIMIT_ANALYST", {1200, 60}},
        [CONFIG_RATE_ADMIN] = {"RATE_LIMIT_ADMIN", {120, 60}},
        [CONFIG_RATE_ADDRESS] = {"RATE_LIMIT_ADDRESS", {30, 60}},
    };

    for (int i = 0; i < CONFIG_RATE_CLASSES; i++)
        if (env_rate(classes[i].name, classes[i].fallback, &cfg->rate[i]) != 0)
            return -1;
    return env_unsigned("RATE_LIMIT_SLOTS", 100000, 1000, 10000000, &cfg->rate_limit_slots);
}

/* A PEM file is a few KiB; anything far larger is the wrong file. */
#define PEM_MAX (1024 * 1024)

/* Reads the whole file at `path` as text for `what` ("--tls-cert").
 * Returns a new string; caller frees. NULL after logging why. */
static char *
read_pem(const char *path, const char *what)
{
    FILE  *f = fopen(path, "rb");
    char  *text = NULL;
    size_t len = 0;

    if (f == NULL) {
        log_error("%s %s cannot be read: %s", what, path, strerror(errno));
        return NULL;
    }
    text = malloc(PEM_MAX + 1);
    if (text != NULL)
        len = fread(text, 1, PEM_MAX + 1, f);
    if (text == NULL || ferror(f) || len == 0 || len > PEM_MAX) {
        log_error("%s %s cannot be read: %s", what, path,
                  len > PEM_MAX ? "larger than 1 MiB" : "empty or unreadable");
        free(text);
        text = NULL;
    } else {
        text[len] = '\0';
    }
    fclose(f);
    return text;
}

/* Flags of `serve`: only the TLS paths, each with its value. Leaves the
 * environment's paths in *cert and *key unless a flag names another. */
static int
serve_flags(int argc, char **argv, const char **cert, const char **key)
{
    for (int i = 2; i < argc; i++) {
        const char **target = strcmp(argv[i], "--tls-cert") == 0  ? cert
                              : strcmp(argv[i], "--tls-key") == 0 ? key
                                                                  : NULL;

        if (target == NULL) {
            log_error("serve: unknown argument %s (expected --tls-cert PATH, --tls-key PATH)",
                      argv[i]);
            return -1;
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0') {
            log_error("serve: %s needs a file path", argv[i]);
            return -1;
        }
        *target = argv[++i];
    }
    return 0;
}

/* Both PEM texts or neither: half a TLS set-up is a mistake, not a
 * reason to fall back to plain HTTP. */
static int
tls_load(struct config *cfg, int argc, char **argv)
{
    const bool  serving = argc < 2 || strcmp(argv[1], "serve") == 0;
    const char *cert = env_or("TLS_CERT_FILE", NULL);
    const char *key = env_or("TLS_KEY_FILE", NULL);

    if (serving && serve_flags(argc, argv, &cert, &key) != 0)
        return -1;
    if (!serving || (cert == NULL && key == NULL))
        return 0;
    if (cert == NULL || key == NULL) {
        log_error("TLS needs both --tls-cert (TLS_CERT_FILE) and --tls-key (TLS_KEY_FILE); "
                  "only %s was given", cert != NULL ? "--tls-cert" : "--tls-key");
        return -1;
    }
    cfg->tls_cert_pem = read_pem(cert, "--tls-cert");
    cfg->tls_key_pem = cfg->tls_cert_pem != NULL ? read_pem(key, "--tls-key") : NULL;
    if (cfg->tls_key_pem == NULL) {
        config_free(cfg);
        return -1;
    }
    return 0;
}

void
config_free(struct config *cfg)
{
    free(cfg->tls_cert_pem);
    free(cfg->tls_key_pem);
    cfg->tls_cert_pem = NULL;
    cfg->tls_key_pem = NULL;
}

int
config_load(struct config *cfg, int argc, char **argv)
{
    long     cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned body_kib;
    unsigned anonymous;

    cfg->tls_cert_pem = NULL;
    cfg->tls_key_pem = NULL;
    cfg->database_url = env_or("DATABASE_URL", NULL);
    cfg->listen_addr = env_or("LISTEN_ADDR", "127.0.0.1");
    cfg->migrations_dir = env_or("MIGRATIONS_DIR", "migrations");
    if (cfg->database_url == NULL) {
        log_error("DATABASE_URL is not set (make run starts a private PostgreSQL and sets it)");
        return -1;
    }
    if (env_unsigned("PORT", 8080, 1, 65535, &cfg->port) != 0
        || env_unsigned("THREADS", cores > 0 ? (unsigned)cores : 2, 1, 256, &cfg->threads) != 0
        || env_unsigned("DB_CONNECT_TIMEOUT_MS", 800, 50, 60000, &cfg->db_connect_timeout_ms) != 0
        || env_unsigned("STATEMENT_TIMEOUT_MS", 5000, 100, 600000, &cfg->statement_timeout_ms) != 0
        || env_unsigned("BODY_MAX_KIB", 64, 1, 1024, &body_kib) != 0
        || env_unsigned("IDEMPOTENCY_PURGE_INTERVAL_S", 300, 1, 86400,
                        &cfg->idempotency_purge_interval_s) != 0
        || env_unsigned("IDEMPOTENCY_TTL_H", 24, 24, 8760, &cfg->idempotency_ttl_h) != 0
        || env_unsigned("ANONYMOUS_SUBMISSIONS", 0, 0, 1, &anonymous) != 0
        || rates_load(cfg) != 0
        || env_unsigned("TREND_K", 10, 1, 1000000, &cfg->trend_k) != 0
        || env_unsigned("TREND_APPLY_INTERVAL_MS", 500, 10, 600000,
                        &cfg->trend_apply_interval_ms) != 0
        || reindex_load(cfg) != 0)
        return -1;
    cfg->anonymous_submissions = anonymous == 1;
    cfg->body_max = (size_t)body_kib * 1024;
    return tls_load(cfg, argc, argv);
}
