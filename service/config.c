/*
 * Environment variables, their defaults and their bounds. README.md's
 * configuration table lists the same.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
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
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max) {
        log_error("%s must be a whole number from %u to %u", name, min, max);
        return -1;
    }
    *out = (unsigned)value;
    return 0;
}

int
config_load(struct config *cfg)
{
    long     cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned body_kib;

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
        || env_unsigned("IDEMPOTENCY_TTL_H", 24, 24, 8760, &cfg->idempotency_ttl_h) != 0)
        return -1;
    cfg->body_max = (size_t)body_kib * 1024;
    return 0;
}
