/*
 * A second fraud-intake service for suites that need other settings than
 * the shared one (small rate limits, anonymous submissions off): started
 * on a free loopback port against the same test database, stopped with
 * SIGTERM, and required to exit 0 (no sanitizer report).
 */
#ifndef FRAUD_TEST_SERVICE_PROC_H
#define FRAUD_TEST_SERVICE_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct service_proc {
    pid_t pid;
    char  base_url[64];     /* "http://127.0.0.1:<port>" */
    char  log_path[64];
};

/* Starts `fraud-intake serve` with the environment of the runner plus
 * `env` ("NAME=VALUE" strings, NULL-terminated; borrowed) and waits up to
 * 20 s for GET /healthz. Fails the test when it does not come up. */
void service_proc_start(struct service_proc *proc, const char *const *env);

/* SIGTERM, then waits up to 10 s; fails the test unless it exited 0. */
void service_proc_stop(struct service_proc *proc);

/* A port nobody listens on right now. */
unsigned service_proc_free_port(void);

#endif
