/*
 * Starting and stopping a second service for one suite.
 */
#include "service_proc.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../testutil.h"

#define START_WAIT_S 20
#define STOP_WAIT_S  10

static const struct timespec pause_100ms = {.tv_sec = 0, .tv_nsec = 100000000L};

unsigned
service_proc_free_port(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t          len = sizeof(addr);
    int                fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert(fd >= 0);
    ck_assert(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    ck_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
    close(fd);
    return ntohs(addr.sin_port);
}

/* Whether GET /healthz answers 200, asked with curl's command line so the
 * caller's curl handles are left alone. */
static int
healthy(const struct service_proc *proc)
{
    char *cmd;
    int   rc;

    ck_assert(asprintf(&cmd, "curl -s -o /dev/null -f --max-time 1 '%s/healthz'",
                       proc->base_url) > 0);
    rc = system(cmd);
    free(cmd);
    return rc == 0;
}

void
service_proc_start(struct service_proc *proc, const char *const *env)
{
    unsigned port = service_proc_free_port();

    snprintf(proc->base_url, sizeof(proc->base_url), "http://127.0.0.1:%u", port);
    snprintf(proc->log_path, sizeof(proc->log_path), "/tmp/fraud-service-%u.log", port);
    proc->pid = fork();
    ck_assert(proc->pid >= 0);
    if (proc->pid == 0) {
        char port_text[16];

        snprintf(port_text, sizeof(port_text), "%u", port);
        if (freopen(proc->log_path, "w", stdout) == NULL
            || dup2(STDOUT_FILENO, STDERR_FILENO) != STDERR_FILENO)
            _exit(126);
        setenv("PORT", port_text, 1);
        setenv("LISTEN_ADDR", "127.0.0.1", 1);
        setenv("THREADS", "2", 1);
        for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
            const char *eq = strchr(env[i], '=');
            char        name[64];

            if (eq == NULL || (size_t)(eq - env[i]) >= sizeof(name))
                _exit(126);
            snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
            setenv(name, eq + 1, 1);
        }
        execl(testutil_env("FRAUD_TEST_BIN"), "fraud-intake", "serve", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < START_WAIT_S * 10; i++) {
        if (healthy(proc))
            return;
        ck_assert_msg(waitpid(proc->pid, NULL, WNOHANG) == 0,
                      "the second service exited at start; see %s", proc->log_path);
        nanosleep(&pause_100ms, NULL);
    }
    ck_abort_msg("the second service did not answer within %d s", START_WAIT_S);
}

void
service_proc_stop(struct service_proc *proc)
{
    int   status = 0;
    pid_t done = 0;

    ck_assert(kill(proc->pid, SIGTERM) == 0);
    for (int i = 0; i < STOP_WAIT_S * 10 && done == 0; i++) {
        done = waitpid(proc->pid, &status, WNOHANG);
        if (done == 0)
            nanosleep(&pause_100ms, NULL);
    }
    if (done == 0) {
        kill(proc->pid, SIGKILL);
        waitpid(proc->pid, &status, 0);
    }
    ck_assert_msg(done == proc->pid, "the second service did not stop within %d s", STOP_WAIT_S);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the second service ended with status %d; see %s", status, proc->log_path);
    unlink(proc->log_path);
}
