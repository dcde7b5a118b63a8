/*
 * HTTPS: a second service process started with a throwaway self-signed
 * certificate answers over TLS with verification on, refuses plain HTTP
 * on that port, stops cleanly on SIGTERM, and refuses to start with half
 * a TLS set-up, an unreadable file or a key that does not match.
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "service_proc.h"

#define START_WAIT_S 20
#define STOP_WAIT_S  10

static const char valid_report[] =
    "{\"source\": \"victim\", \"scam_type\": \"fake_investment\", \"stage\": \"first_payment\","
    " \"channel\": \"chat_app\", \"occurred_at\": \"2024-03-01T09:30:00+08:00\","
    " \"chat_ids\": [{\"value\": \"tls_round_trip_7\", \"app\": \"QQ\"}]}";

/* The running TLS service of one test, and its files. */
static char  dir[] = "/tmp/fraud-tls-XXXXXX";
static char  cert[64];
static char  key[64];
static char  base[64];
static pid_t child = -1;

/* What one request got back: the curl result, status and body. */
struct answer {
    CURLcode code;
    long     status;
    char    *body;
    size_t   len;
    char    *location;
};

static size_t
collect_body(char *data, size_t size, size_t n, void *userdata)
{
    struct answer *a = userdata;
    char          *grown = realloc(a->body, a->len + size * n + 1);

    ck_assert(grown != NULL);
    memcpy(grown + a->len, data, size * n);
    a->body = grown;
    a->len += size * n;
    a->body[a->len] = '\0';
    return size * n;
}

static size_t
collect_location(char *data, size_t size, size_t n, void *userdata)
{
    struct answer *a = userdata;
    size_t         len = size * n;

    if (len > 10 && strncasecmp(data, "Location: ", 10) == 0) {
        free(a->location);
        a->location = strndup(data + 10, strcspn(data + 10, "\r\n"));
    }
    return len;
}

/* One request to `url`, verifying the peer against the generated
 * certificate. Fills *a; caller frees a->body and a->location. */
static void
fetch(const char *url, const char *post, struct answer *a)
{
    CURL              *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char               authorization[128];

    memset(a, 0, sizeof(*a));
    ck_assert(curl != NULL);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, cert);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_location);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
    http_client_authorization(authorization, sizeof(authorization), NULL);
    headers = curl_slist_append(headers, authorization);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (post != NULL)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
    a->code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
}

static void
answer_free(struct answer *a)
{
    free(a->body);
    free(a->location);
}

/* Runs `fraud-intake serve` with extra arguments and environment (a
 * shell fragment) to completion; returns its exit status and fills
 * output with what it printed. */
static int
run_to_exit(const char *env, const char *args, char *output, size_t size)
{
    char  *cmd;
    FILE  *p;
    size_t n;
    int    status;

    ck_assert(asprintf(&cmd, "env -u TLS_CERT_FILE -u TLS_KEY_FILE %s PORT=%u DATABASE_URL='%s'"
                             " '%s' serve %s 2>&1",
                       env, service_proc_free_port(), testutil_env("FRAUD_TEST_DATABASE_URL"),
                       testutil_env("FRAUD_TEST_BIN"), args) > 0);
    p = popen(cmd, "r");
    ck_assert(p != NULL);
    n = fread(output, 1, size - 1, p);
    output[n] = '\0';
    status = pclose(p);
    free(cmd);
    ck_assert_msg(WIFEXITED(status), "did not exit: %d", status);
    return WEXITSTATUS(status);
}

static void
make_certificate(void)
{
    char *cmd;

    ck_assert(mkdtemp(dir) != NULL);
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    ck_assert(asprintf(&cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 1"
                             " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1"
                             " -keyout '%s' -out '%s' >/dev/null 2>&1",
                       key, cert) > 0);
    ck_assert_msg(system(cmd) == 0, "openssl could not make a certificate");
    free(cmd);
}

static void
remove_certificate(void)
{
    unlink(cert);
    unlink(key);
    rmdir(dir);
}

/* The end of the TLS service's log, for a failure message (static
 * buffer). */
static const char *
start_log(void)
{
    static char text[1024];
    char        path[96];
    FILE       *f;
    size_t      n = 0;

    snprintf(path, sizeof(path), "%s/service.log", dir);
    f = fopen(path, "r");
    if (f != NULL) {
        fseek(f, -(long)(sizeof(text) - 1), SEEK_END);
        n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
    }
    text[n] = '\0';
    return text;
}

/* Starts the service with the flags, and a TLS_KEY_FILE naming a missing
 * file that the --tls-key flag must override; waits for /healthz. */
static void
tls_setup(void)
{
    char            url[96];
    unsigned        port;
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 100000000L};
    struct answer   a;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    make_certificate();
    port = service_proc_free_port();
    snprintf(base, sizeof(base), "https://127.0.0.1:%u", port);
    child = fork();
    ck_assert(child >= 0);
    if (child == 0) {
        char port_text[16];
        char log[96];

        snprintf(port_text, sizeof(port_text), "%u", port);
        snprintf(log, sizeof(log), "%s/service.log", dir);
        ck_assert(freopen(log, "w", stdout) != NULL);
        ck_assert(dup2(STDOUT_FILENO, STDERR_FILENO) == STDERR_FILENO);
        setenv("PORT", port_text, 1);
        setenv("LISTEN_ADDR", "127.0.0.1", 1);
        setenv("THREADS", "2", 1);
        setenv("DATABASE_URL", testutil_env("FRAUD_TEST_DATABASE_URL"), 1);
        setenv("TLS_KEY_FILE", "/nonexistent/key.pem", 1);
        execl(testutil_env("FRAUD_TEST_BIN"), "fraud-intake", "serve", "--tls-cert", cert,
              "--tls-key", key, (char *)NULL);
        _exit(127);
    }
    snprintf(url, sizeof(url), "%s/healthz", base);
    for (int i = 0; i < START_WAIT_S * 10; i++) {
        fetch(url, NULL, &a);
        answer_free(&a);
        if (a.status == 200)
            return;
        if (waitpid(child, NULL, WNOHANG) != 0)
            ck_abort_msg("the TLS service exited at start: %s", start_log());
        nanosleep(&pause, NULL);
    }
    ck_abort_msg("the TLS service did not answer %s within %d s", url, START_WAIT_S);
}

/* SIGTERM: the process must exit 0 (a leak report would make it 1). */
static void
tls_teardown(void)
{
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 100000000L};
    int             status = 0;
    pid_t           done = 0;

    ck_assert(kill(child, SIGTERM) == 0);
    for (int i = 0; i < STOP_WAIT_S * 10 && done == 0; i++) {
        done = waitpid(child, &status, WNOHANG);
        if (done == 0)
            nanosleep(&pause, NULL);
    }
    if (done == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    remove_certificate();
    curl_global_cleanup();
    ck_assert_msg(done == child, "the TLS service did not stop within %d s", STOP_WAIT_S);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the TLS service ended with status %d (see its sanitizer report)", status);
}

START_TEST(healthz_over_https)
{
    char          url[96];
    struct answer a;

    snprintf(url, sizeof(url), "%s/healthz", base);
    fetch(url, NULL, &a);
    ck_assert_msg(a.code == CURLE_OK, "%s", curl_easy_strerror(a.code));
    ck_assert_int_eq(a.status, 200);
    answer_free(&a);
}
END_TEST

START_TEST(report_round_trip_over_https)
{
    char          url[192];
    struct answer created;
    struct answer read;
    json_t       *stored;

    snprintf(url, sizeof(url), "%s/v1/reports", base);
    fetch(url, valid_report, &created);
    ck_assert_msg(created.code == CURLE_OK, "%s", curl_easy_strerror(created.code));
    ck_assert_int_eq(created.status, 201);
    ck_assert(created.location != NULL);
    snprintf(url, sizeof(url), "%s%s", base, created.location);
    fetch(url, NULL, &read);
    ck_assert_int_eq(read.status, 200);
    stored = json_loads(read.body, 0, NULL);
    ck_assert(stored != NULL);
    ck_assert_str_eq(json_string_value(json_object_get(stored, "scam_type")), "fake_investment");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(stored, "chat_ids"), 0), "value")),
                     "tls_round_trip_7");
    json_decref(stored);
    answer_free(&created);
    answer_free(&read);
}
END_TEST

START_TEST(plain_http_is_refused)
{
    char          url[96];
    struct answer a;

    snprintf(url, sizeof(url), "http://%s/healthz", base + strlen("https://"));
    fetch(url, NULL, &a);
    ck_assert_msg(a.code != CURLE_OK || a.status != 200, "plain HTTP got %ld", a.status);
    answer_free(&a);
}
END_TEST

START_TEST(missing_key_file_refuses_to_start)
{
    char output[4096];
    char args[160];

    make_certificate();
    snprintf(args, sizeof(args), "--tls-cert '%s' --tls-key '%s/absent.pem'", cert, dir);
    ck_assert_int_eq(run_to_exit("", args, output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "--tls-key") != NULL && strstr(output, "absent.pem") != NULL,
                  "said: %s", output);
    remove_certificate();
}
END_TEST

START_TEST(half_a_tls_setup_refuses_to_start)
{
    char output[4096];
    char env[96];

    make_certificate();
    snprintf(env, sizeof(env), "TLS_CERT_FILE='%s'", cert);
    ck_assert_int_eq(run_to_exit(env, "", output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "--tls-key") != NULL, "said: %s", output);
    ck_assert_int_eq(run_to_exit("", "--tls-key", output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "--tls-key needs a file path") != NULL, "said: %s", output);
    remove_certificate();
}
END_TEST

/* A key of another certificate: GnuTLS refuses the pair, and so does
 * start-up, after the migrations and before listening. */
START_TEST(mismatched_key_refuses_to_start)
{
    char  output[8192];
    char  args[200];
    char *cmd;

    make_certificate();
    ck_assert(asprintf(&cmd, "openssl genpkey -algorithm RSA -out '%s/other.pem' 2>/dev/null",
                       dir) > 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    snprintf(args, sizeof(args), "--tls-cert '%s' --tls-key '%s/other.pem'", cert, dir);
    ck_assert_int_eq(run_to_exit("", args, output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "TLS certificate and key do not load") != NULL, "said: %s",
                  output);
    snprintf(args, sizeof(args), "%s/other.pem", dir);
    unlink(args);
    remove_certificate();
}
END_TEST

Suite *
http_tls_suite(void)
{
    Suite *suite = suite_create("http_tls");
    TCase *serving = tcase_create("serving");
    TCase *refusing = tcase_create("refusing");

    tcase_add_checked_fixture(serving, tls_setup, tls_teardown);
    tcase_set_timeout(serving, 60);
    tcase_add_test(serving, healthz_over_https);
    tcase_add_test(serving, report_round_trip_over_https);
    tcase_add_test(serving, plain_http_is_refused);
    suite_add_tcase(suite, serving);
    tcase_set_timeout(refusing, 30);
    tcase_add_test(refusing, missing_key_file_refuses_to_start);
    tcase_add_test(refusing, half_a_tls_setup_refuses_to_start);
    tcase_add_test(refusing, mismatched_key_refuses_to_start);
    suite_add_tcase(suite, refusing);
    return suite;
}
