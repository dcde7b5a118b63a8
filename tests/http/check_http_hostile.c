/*
 * Hostile requests from tests/data/hostile/ (FORMAT.md there describes a
 * case), sent over raw sockets because many of them are not HTTP a
 * well-behaved client would send: each gets its exact status, only the
 * cases meant to store a report change the row count, and the service
 * still answers afterwards.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "../suites.h"
#include "../testutil.h"

#define FORMAT_FILE     "FORMAT.md"
#define ANSWER_WAIT_MS  15000
#define ANSWER_MAX      (1024 * 1024)
#define SEND_PIECE      (64 * 1024)
#define TRICKLE_PIECE   8

/* A growable byte buffer. */
struct bytes {
    char  *data;
    size_t len;
};

static void
bytes_add(struct bytes *b, const void *data, size_t len)
{
    char *grown = realloc(b->data, b->len + len + 1);

    ck_assert(grown != NULL);
    memcpy(grown + b->len, data, len);
    b->data = grown;
    b->len += len;
    b->data[b->len] = '\0';
}

static void
bytes_str(struct bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

/* What came back: status 0 when the connection ended without a response. */
struct answer {
    int          status;
    struct bytes head;
    const char  *body;
};

static unsigned
service_port(void)
{
    const char *base = testutil_env("FRAUD_TEST_BASE_URL");
    const char *colon = strrchr(base, ':');

    ck_assert(colon != NULL);
    return (unsigned)atoi(colon + 1);
}

static int
connect_service(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)service_port()),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int                fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert(fd >= 0);
    ck_assert_msg(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "connect: %s",
                  strerror(errno));
    return fd;
}

static bool
readable(int fd, int wait_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, wait_ms) > 0;
}

/* Sends len bytes in pieces, stopping early when the service has
 * answered already (a 413 before the body) or closed. */
static void
send_all(int fd, const char *data, size_t len, long trickle_ms)
{
    size_t          piece = trickle_ms > 0 ? TRICKLE_PIECE : SEND_PIECE;
    long            pause_ns = trickle_ms > 0 ? trickle_ms * 1000000L / (long)(len / piece + 1) : 0;
    struct timespec pause = {.tv_sec = pause_ns / 1000000000L, .tv_nsec = pause_ns % 1000000000L};

    size_t off = 0;

    while (off < len) {
        size_t  n = len - off < piece ? len - off : piece;
        ssize_t sent;

        if (readable(fd, 0))
            return;
        sent = send(fd, data + off, n, MSG_NOSIGNAL);
        if (sent <= 0)
            return;
        off += (size_t)sent;
        if (pause_ns > 0)
            nanosleep(&pause, NULL);
    }
}

/* Reads until the service closes (Connection: close) or goes quiet. */
static void
read_answer(int fd, struct answer *a)
{
    struct bytes all = {0};
    char         buf[16384];
    char        *end;
    ssize_t      n;

    memset(a, 0, sizeof(*a));
    while (all.len < ANSWER_MAX && readable(fd, ANSWER_WAIT_MS)) {
        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        bytes_add(&all, buf, (size_t)n);
    }
    if (all.len == 0)
        return;
    ck_assert_msg(sscanf(all.data, "HTTP/1.%*d %d", &a->status) == 1, "not HTTP: %.80s",
                  all.data);
    end = strstr(all.data, "\r\n\r\n");
    ck_assert(end != NULL);
    a->head = all;
    end[2] = '\0';
    a->body = end + 4;
}

static void
answer_free(struct answer *a)
{
    free(a->head.data);
}

/* The value of header `name` in a's head, a new string or NULL. */
static char *
answer_header(const struct answer *a, const char *name)
{
    for (const char *line = strstr(a->head.data, "\r\n"); line != NULL;
         line = strstr(line + 2, "\r\n")) {
        const char *start = line + 2;

        if (strncasecmp(start, name, strlen(name)) == 0 && start[strlen(name)] == ':')
            return strndup(start + strlen(name) + 2, strcspn(start + strlen(name) + 2, "\r\n"));
    }
    return NULL;
}

/* Decodes \r, \n, \xHH and \\ of a request or header line in place;
 * returns the new length. */
static size_t
unescape(char *s, size_t len)
{
    size_t out = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\' || i + 1 == len) {
            s[out++] = s[i];
        } else if (s[i + 1] == 'r' || s[i + 1] == 'n' || s[i + 1] == '\\') {
            s[out++] = s[i + 1] == 'r' ? '\r' : s[i + 1] == 'n' ? '\n' : '\\';
            i++;
        } else if (s[i + 1] == 'x' && i + 3 < len) {
            char hex[3] = {s[i + 2], s[i + 3], '\0'};

            s[out++] = (char)strtol(hex, NULL, 16);
            i += 3;
        } else {
            s[out++] = s[i];
        }
    }
    return out;
}

/* The body of a case: the file's, or generated from expect's
 * `generate`. */
static void
case_body(const json_t *expect, const char *file_body, size_t file_len, struct bytes *body)
{
    const json_t *gen = json_object_get(expect, "generate");
    const char   *repeat;
    size_t        times;

    if (gen == NULL) {
        bytes_add(body, file_body, file_len);
        return;
    }
    repeat = json_string_value(json_object_get(gen, "repeat"));
    times = (size_t)json_integer_value(json_object_get(gen, "times"));
    bytes_str(body, json_string_value(json_object_get(gen, "before")));
    body->data = realloc(body->data, body->len + strlen(repeat) * times + 1);
    ck_assert(body->data != NULL);
    for (size_t i = 0; i < times; i++) {
        memcpy(body->data + body->len, repeat, strlen(repeat));
        body->len += strlen(repeat);
    }
    body->data[body->len] = '\0';
    bytes_str(body, json_string_value(json_object_get(gen, "after")));
}

/* Adds a request line or header line, with @KEY@ standing for the
 * suite's key. */
static void
add_with_key(struct bytes *head, const char *line, size_t len)
{
    const char *mark = memmem(line, len, "@KEY@", 5);

    if (mark == NULL) {
        bytes_add(head, line, len);
        return;
    }
    bytes_add(head, line, (size_t)(mark - line));
    bytes_str(head, testutil_env("FRAUD_TEST_KEY"));
    bytes_add(head, mark + 5, len - (size_t)(mark - line) - 5);
}

/* Builds the request head from the case's `request` file, plus Host,
 * Connection: close, a Content-Length unless the file has its own, the
 * suite's key unless the file has an Authorization line, and expect's
 * extra_headers. */
static void
case_head(const json_t *expect, char *text, size_t body_len, struct bytes *head)
{
    const json_t *extra = json_object_get(expect, "extra_headers");
    bool          framed = false;
    bool          authorized = false;
    char         *line = text;
    char          buf[64];

    for (bool first = true; *line != '\0'; first = false) {
        char  *eol = strchr(line, '\n');
        size_t len;

        *eol = '\0';
        len = unescape(line, strlen(line));
        framed = framed || strncasecmp(line, "Content-Length:", 15) == 0
                 || strncasecmp(line, "Transfer-Encoding:", 18) == 0;
        authorized = authorized || strncasecmp(line, "Authorization:", 14) == 0;
        add_with_key(head, line, len);
        bytes_str(head, first ? " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" : "\r\n");
        line = eol + 1;
    }
    for (long i = 0; extra != NULL && i < json_integer_value(json_object_get(extra, "times"));
         i++) {
        const char *fmt = json_string_value(json_object_get(extra, "line"));
        const char *mark = strstr(fmt, "%u");

        bytes_add(head, fmt, mark != NULL ? (size_t)(mark - fmt) : strlen(fmt));
        if (mark != NULL) {
            snprintf(buf, sizeof(buf), "%ld", i);
            bytes_str(head, buf);
            bytes_str(head, mark + 2);
        }
        bytes_str(head, "\r\n");
    }
    if (!framed) {
        snprintf(buf, sizeof(buf), "Content-Length: %zu\r\n", body_len);
        bytes_str(head, buf);
    }
    if (!authorized) {
        bytes_str(head, "Authorization: Bearer ");
        bytes_str(head, testutil_env("FRAUD_TEST_KEY"));
        bytes_str(head, "\r\n");
    }
    bytes_str(head, "\r\n");
}

/* Sends head and body on a new connection and reads the answer. */
static void
exchange(const struct bytes *head, const struct bytes *body, long trickle_ms, bool half_close,
         struct answer *a)
{
    int fd = connect_service();

    send_all(fd, head->data, head->len, 0);
    send_all(fd, body->data, body->len, trickle_ms);
    if (half_close)
        shutdown(fd, SHUT_WR);
    read_answer(fd, a);
    close(fd);
}

static long
report_rows(void)
{
    PGconn   *pg = PQconnectdb(testutil_env("FRAUD_TEST_DATABASE_URL"));
    PGresult *res = PQexec(pg, "SELECT count(*) FROM reports");
    long      rows;

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
    rows = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(pg);
    return rows;
}

/* The problem's type and expected errors, when expect names them. */
static void
check_problem(const char *name, const json_t *expect, const struct answer *a)
{
    const char   *type = json_string_value(json_object_get(expect, "type"));
    char         *content_type = answer_header(a, "Content-Type");
    json_t       *problem;
    size_t        i;
    const json_t *want;

    if (type == NULL) {
        free(content_type);
        return;
    }
    ck_assert_msg(content_type != NULL && strcmp(content_type, "application/problem+json") == 0,
                  "%s: Content-Type %s", name, content_type);
    problem = json_loads(a->body, 0, NULL);
    ck_assert_msg(problem != NULL, "%s: body is not JSON: %.200s", name, a->body);
    ck_assert_str_eq(json_string_value(json_object_get(problem, "type")), type);
    json_array_foreach(json_object_get(expect, "errors"), i, want) {
        const json_t *got;
        size_t        j;
        bool          found = false;

        json_array_foreach(json_object_get(problem, "errors"), j, got)
            found = found || (json_equal(json_object_get(got, "pointer"),
                                         json_object_get(want, "pointer"))
                              && json_equal(json_object_get(got, "code"),
                                            json_object_get(want, "code")));
        ck_assert_msg(found, "%s: no error %s in %s", name,
                      json_string_value(json_object_get(want, "pointer")), a->body);
    }
    json_decref(problem);
    free(content_type);
}

/* GETs the stored report and compares the `read_back` members with what
 * was sent, byte for byte. */
static void
check_read_back(const char *name, const json_t *expect, const struct bytes *body,
                const struct answer *created)
{
    char         *location = answer_header(created, "Location");
    json_t       *sent = json_loadb(body->data, body->len, 0, NULL);
    struct bytes  head = {0};
    struct bytes  none = {0};
    struct answer got;
    json_t       *stored;
    size_t        i;
    const json_t *member;

    ck_assert_msg(location != NULL && sent != NULL, "%s: no Location", name);
    bytes_str(&head, "GET ");
    bytes_str(&head, location);
    bytes_str(&head, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer ");
    bytes_str(&head, testutil_env("FRAUD_TEST_KEY_ANALYST"));
    bytes_str(&head, "\r\n\r\n");
    exchange(&head, &none, 0, false, &got);
    ck_assert_int_eq(got.status, 200);
    stored = json_loads(got.body, 0, NULL);
    ck_assert(stored != NULL);
    json_array_foreach(json_object_get(expect, "read_back"), i, member) {
        const char *key = json_string_value(member);
        const char *want = json_string_value(json_object_get(sent, key));
        const char *have = json_string_value(json_object_get(stored, key));

        ck_assert_msg(have != NULL && strcmp(want, have) == 0, "%s: %s came back as %s", name,
                      key, have);
    }
    json_decref(stored);
    json_decref(sent);
    answer_free(&got);
    free(head.data);
    free(location);
}

static void
run_case(const char *name)
{
    char         *rel;
    char         *text;
    size_t        text_len;
    char         *split;
    json_t       *expect;
    struct bytes  head = {0};
    struct bytes  body = {0};
    struct answer a;
    long          before;
    char         *header;
    const char   *absent;

    ck_assert(asprintf(&rel, "hostile/%s/expect.json", name) > 0);
    text = testutil_read_data(rel, NULL);
    expect = json_loads(text, 0, NULL);
    ck_assert_msg(expect != NULL, "%s: expect.json is not JSON", name);
    free(text);
    free(rel);
    ck_assert(asprintf(&rel, "hostile/%s/request", name) > 0);
    text = testutil_read_data(rel, &text_len);
    split = strstr(text, "\n\n");
    ck_assert_msg(split != NULL, "%s: request has no empty line", name);
    split[1] = '\0';
    case_body(expect, split + 2, text_len - (size_t)(split + 2 - text), &body);
    case_head(expect, text, body.len, &head);
    before = report_rows();
    exchange(&head, &body, (long)json_integer_value(json_object_get(expect, "trickle_ms")),
             json_is_true(json_object_get(expect, "half_close")), &a);
    ck_assert_msg(a.status == json_integer_value(json_object_get(expect, "status")),
                  "%s: status %d, expected %lld: %.300s", name, a.status,
                  json_integer_value(json_object_get(expect, "status")), a.body);
    if (a.status != 0)
        check_problem(name, expect, &a);
    absent = json_string_value(json_object_get(expect, "absent_header"));
    header = absent != NULL && a.status != 0 ? answer_header(&a, absent) : NULL;
    ck_assert_msg(header == NULL, "%s: the response carries %s: %s", name, absent, header);
    ck_assert_int_eq(report_rows(),
                     before + (json_is_true(json_object_get(expect, "stores")) ? 1 : 0));
    if (json_object_get(expect, "read_back") != NULL)
        check_read_back(name, expect, &body, &a);
    answer_free(&a);
    json_decref(expect);
    free(head.data);
    free(body.data);
    free(text);
    free(rel);
}

/* One loop iteration per case folder, in name order; FORMAT.md is the
 * one entry that is not a case. */
START_TEST(test_hostile_case)
{
    size_t count;
    char **names = testutil_list_data("hostile", NULL, &count);
    size_t at = 0;

    for (size_t i = 0; i < count; i++) {
        if (strcmp(names[i], FORMAT_FILE) == 0)
            continue;
        if (at++ == (size_t)_i) {
            run_case(names[i]);
            break;
        }
    }
    ck_assert_uint_eq(at, (size_t)_i + 1);
    testutil_free_list(names);
}
END_TEST

START_TEST(still_answers_afterwards)
{
    struct bytes  head = {0};
    struct bytes  none = {0};
    struct answer a;

    bytes_str(&head, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    exchange(&head, &none, 0, false, &a);
    ck_assert_int_eq(a.status, 200);
    answer_free(&a);
    free(head.data);
}
END_TEST

Suite *
http_hostile_suite(void)
{
    Suite *suite = suite_create("http_hostile");
    TCase *table = tcase_create("table");
    TCase *after = tcase_create("after");
    size_t cases = testutil_count_data("hostile", NULL);

    tcase_set_timeout(table, 30);
    tcase_add_loop_test(table, test_hostile_case, 0, cases > 0 ? (int)cases - 1 : 0);
    suite_add_tcase(suite, table);
    tcase_add_test(after, still_answers_afterwards);
    suite_add_tcase(suite, after);
    return suite;
}
