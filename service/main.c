/*
 * fraud-intake: wiring only. config -> migrations -> pool -> app -> HTTP,
 * then wait for SIGINT/SIGTERM and take it all down in reverse.
 */
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "config.h"
#include "demo.h"
#include "handlers/admission.h"
#include "handlers/routes.h"
#include "http/server.h"
#include "janitor.h"
#include "log.h"
#include "store/db.h"
#include "store/migrate.h"
#include "trend_worker.h"

/* How long start-up waits for PostgreSQL to accept connections. */
#define STARTUP_DB_WAIT_S 30

static const char usage[] =
    "usage: fraud-intake [serve|migrate|demo-data|orgs|keys]\n"
    "  serve [--tls-cert PATH --tls-key PATH]\n"
    "           apply pending migrations, then serve HTTP, or HTTPS with both\n"
    "           files (the default)\n"
    "  migrate  apply pending migrations and exit\n"
    "  demo-data --reports N [--days D] [--seed S]\n"
    "           apply migrations, then load N synthetic reports\n"
    "  orgs ..., keys ...\n"
    "           manage organisations and API keys (README.md)\n"
    "Configuration is read from the environment; see README.md.\n";

/* Blocks the stop signals in every thread (the HTTP workers inherit the
 * mask) so that only sigwait in main sees them. */
static void
block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Freed memory stays with the process for the next request. By default
 * glibc hands the free top of a thread's heap back to the kernel past a
 * threshold (128 KB at first) and serves big blocks by mmap, so a trend
 * answer of thousands of rows (the database's result, the table, the
 * text) took its memory back a page fault at a time: a year's series by
 * prefecture at 8 clients cost the service 2.1 to 6.6 ms of CPU per
 * request, the more the longer it ran, and 2.3 ms with these settings.
 * The price: each thread keeps the memory of the largest answer it built. */
static void
keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

static int
serve(const struct config *cfg, int migrations)
{
    struct server_config http = {
        .listen_addr = cfg->listen_addr,
        .port = cfg->port,
        .body_max = cfg->body_max,
        .connection_timeout_s = 30,
        .connection_limit = 1000,
        .connection_memory = 128 * 1024,
        .tls_cert_pem = cfg->tls_cert_pem,
        .tls_key_pem = cfg->tls_key_pem,
        .admit = admission_admit,
    };
    struct db      *db = db_create(cfg->database_url, cfg->threads, cfg->db_connect_timeout_ms,
                                   cfg->statement_timeout_ms);
    /* The janitor's rebuilds run without a timeout, on a connection no
     * request waits for. */
    struct db      *upkeep = cfg->rollup_reindex_percent > 0
                                 ? db_create(cfg->database_url, 1, cfg->db_connect_timeout_ms, 0)
                                 : NULL;
    struct janitor_config chores = {
        .interval_s = cfg->idempotency_purge_interval_s,
        .ttl_h = cfg->idempotency_ttl_h,
        .reindex_percent = upkeep != NULL ? cfg->rollup_reindex_percent : 0,
    };
    struct app      app;
    struct server  *server;
    struct janitor *janitor;
    struct trend_worker *trend_worker;
    sigset_t        stop;
    int             sig;

    block_stop_signals(&stop);
    keep_freed_memory();
    if (db == NULL || app_init(&app, cfg, db, migrations) != 0) {
        db_destroy(upkeep);
        db_destroy(db);
        return EXIT_FAILURE;
    }
    server = server_start(&http, routes, routes_count, &app);
    janitor = server != NULL ? janitor_start(db, upkeep, &chores) : NULL;
    trend_worker = janitor != NULL ? trend_worker_start(db, cfg->trend_apply_interval_ms) : NULL;
    if (trend_worker != NULL) {
        log_info("serving on %s://%s:%u with %u database connections",
                 cfg->tls_cert_pem != NULL ? "https" : "http", cfg->listen_addr, cfg->port,
                 cfg->threads);
        sigwait(&stop, &sig);
        log_info("stopping on signal %d", sig);
    }
    trend_worker_stop(trend_worker);
    janitor_stop(janitor);
    server_stop(server);
    app_fini(&app);
    db_destroy(upkeep);
    db_destroy(db);
    return trend_worker != NULL ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main(int argc, char **argv)
{
    const char   *command = argc > 1 ? argv[1] : "serve";
    /* Subcommands that parse arguments of their own. */
    const bool    with_args = strcmp(command, "orgs") == 0 || strcmp(command, "keys") == 0
                           || strcmp(command, "demo-data") == 0;
    struct config cfg;
    int           migrations;
    int           status;

    if (!with_args
        && ((argc > 2 && strcmp(command, "serve") != 0)
            || (strcmp(command, "serve") != 0 && strcmp(command, "migrate") != 0))) {
        fputs(usage, strcmp(command, "--help") == 0 ? stdout : stderr);
        return strcmp(command, "--help") == 0 ? EXIT_SUCCESS : 2;
    }
    /* serve's flags are checked here, with the environment. */
    if (config_load(&cfg, argc, argv) != 0)
        return EXIT_FAILURE;
    /* Hash seeds from the kernel, once, before any thread builds a JSON
     * object: keys chosen by clients must not collide on purpose. */
    json_object_seed(0);
    migrations = migrate_run(cfg.database_url, cfg.migrations_dir, STARTUP_DB_WAIT_S);
    if (migrations < 0)
        status = EXIT_FAILURE;
    else if (strcmp(command, "migrate") == 0)
        status = EXIT_SUCCESS;
    else if (strcmp(command, "demo-data") == 0)
        status = demo_run(argc, argv, &cfg);
    else if (with_args)
        status = cli_run(argc, argv, &cfg);
    else
        status = serve(&cfg, migrations);
    config_free(&cfg);
    return status;
}
