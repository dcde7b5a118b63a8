/*
 * Black-box tests of POST /v1/reports:import. The NDJSON is generated while
 * it is sent (a libcurl read callback), never held whole, with bad lines at
 * known numbers; the answer must count and number them exactly, every good
 * line must be stored, and the service must answer /healthz meanwhile.
 */
#include <check.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "test_db.h"

#define IMPORT_PATH       "/v1/reports:import"
#define NDJSON            "application/x-ndjson"
/* The service's per-line cap: BODY_MAX_KIB, 64 by default. */
#define LINE_MAX_BYTES    65536
/* As the service answers: the first 100 rejected lines are described. */
#define ERRORS_LISTED     100
/* The large import: 100,000 lines of about 300 bytes, 30 MB, generated on
 * the fly and never held whole by the test either. */
#define LARGE_LINES       100000
#define LARGE_LINE_BYTES  300
#define LARGE_TIMEOUT_MS  240000L
/* Every BAD_EVERY-th line is bad; lines 500 and 501 of each thousand are
 * blank (one empty, one white space) unless bad. */
#define BAD_EVERY         97
#define TOO_LONG_BYTES    70000
/* /healthz during the import: how slow it may be, how often it is asked. */
#define HEALTHZ_MAX_MS    3000.0
#define PROBE_PAUSE_NS    50000000L
/* An abandoned upload: the pause before the client closes, and how long
 * the service may then take to let the import go. */
#define ABANDON_PAUSE_MS  1500
#define ABANDON_SETTLE_MS 5000.0

/* One kind of bad line from tests/data/imports/bad_lines.tsv. */
struct bad_kind {
    char *kind;
    char *type;
    char *pointer;   /* "-": the problem has no errors list */
    char *text;      /* with the marker in place */
};

/* The kinds of the table, then a generated line over the cap. */
struct bad_table {
    struct bad_kind kinds[8];
    size_t          count;
};

/* Produces an upload line by line as libcurl asks for it. */
struct generator {
    const struct bad_table *bad;
    const char *marker;
    long long   lines;        /* how many lines to send */
    long long   sent;         /* lines produced so far */
    const char *eol;          /* "\n" or "\r\n" */
    bool        last_eol;     /* end the last line with eol too */
    size_t      piece_max;    /* at most this many bytes per callback; 0: no limit */
    long long   abort_after;  /* abort the upload after this many lines; 0: never */
    char       *line;
    size_t      line_len;
    size_t      line_off;
    size_t      line_cap;
};

/* What a generated upload should give. */
struct expected {
    long long received;
    long long stored;
    long long rejected;
    long long blank;
    long long line_sum;       /* sum of the numbers of stored lines */
};

/* What came back from a streamed POST. */
struct answer {
    long    status;
    char   *body;
    size_t  body_len;
    char   *content_type;
};

static char *
replace_marker(const char *text, const char *marker)
{
    const char *at = strstr(text, "@MARKER@");
    char       *out;

    if (at == NULL)
        out = strdup(text);
    else
        ck_assert(asprintf(&out, "%.*s%s%s", (int)(at - text), text, marker, at + 8) > 0);
    ck_assert(out != NULL);
    return out;
}

static void
bad_table_load(struct bad_table *table, const char *marker)
{
    char *text = testutil_read_data("imports/bad_lines.tsv", NULL);
    char *save = NULL;

    memset(table, 0, sizeof(*table));
    for (char *row = strtok_r(text, "\n", &save); row != NULL; row = strtok_r(NULL, "\n", &save)) {
        char *field[4] = {row, NULL, NULL, NULL};

        if (row[0] == '#')
            continue;
        for (int i = 1; i < 4; i++) {
            field[i] = strchr(field[i - 1], '\t');
            ck_assert_msg(field[i] != NULL, "bad_lines.tsv: a row has fewer than 4 fields");
            *field[i]++ = '\0';
        }
        ck_assert(table->count < sizeof(table->kinds) / sizeof(table->kinds[0]) - 1);
        table->kinds[table->count++] = (struct bad_kind){
            strdup(field[0]), strdup(field[1]), strdup(field[2]),
            replace_marker(field[3], marker)};
    }
    free(text);
    ck_assert_msg(table->count >= 3, "bad_lines.tsv has fewer than 3 kinds");
    table->kinds[table->count++] = (struct bad_kind){
        strdup("too_long"), strdup("/problems/line-too-long"), strdup("-"), NULL};
}

static void
bad_table_free(struct bad_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        free(table->kinds[i].kind);
        free(table->kinds[i].type);
        free(table->kinds[i].pointer);
        free(table->kinds[i].text);
    }
    memset(table, 0, sizeof(*table));
}

/* Which bad kind line n is, or NULL for a good or blank line. */
static const struct bad_kind *
bad_kind_of(const struct bad_table *bad, long long n)
{
    if (bad == NULL || n % BAD_EVERY != 0)
        return NULL;
    return &bad->kinds[(n / BAD_EVERY) % (long long)bad->count];
}

static bool
is_blank_line(const struct generator *gen, long long n)
{
    return gen->bad != NULL && bad_kind_of(gen->bad, n) == NULL
        && (n % 1000 == 500 || n % 1000 == 501);
}

static void
line_reserve(struct generator *gen, size_t size)
{
    if (size <= gen->line_cap)
        return;
    gen->line = realloc(gen->line, size);
    ck_assert(gen->line != NULL);
    gen->line_cap = size;
}

/* A valid public report of about LARGE_LINE_BYTES; its narrative starts
 * with "line <n> " so the stored rows say which lines they came from. */
static void
make_good_line(struct generator *gen, long long n)
{
    int len;

    line_reserve(gen, LARGE_LINE_BYTES + 512);
    len = snprintf(gen->line, gen->line_cap,
                   "{\"source\": \"public\", \"scam_type\": \"fake_customer_service\","
                   " \"stage\": \"contact\", \"channel\": \"phone_call\","
                   " \"phones\": [\"+86 138 %04lld %04lld\"],"
                   " \"apps\": [{\"name\": \"开会宝\", \"role\": \"screen_share\"}],"
                   " \"region\": \"441900\", \"locality\": \"%s\", \"narrative\": \"line %lld ",
                   (n / 10000) % 10000, n % 10000, gen->marker, n);
    ck_assert(len > 0);
    while (len < LARGE_LINE_BYTES - 2)
        gen->line[len++] = 'x';
    memcpy(gen->line + len, "\"}", 3);
    gen->line_len = (size_t)len + 2;
}

/* A JSON object of exactly `bytes` bytes that is not a valid report only
 * because its narrative is too long. */
static void
make_sized_line(struct generator *gen, size_t bytes)
{
    static const char head[] = "{\"source\": \"public\", \"narrative\": \"";
    size_t            head_len = sizeof(head) - 1;

    ck_assert(bytes > head_len + 2);
    line_reserve(gen, bytes + 1);
    memcpy(gen->line, head, head_len);
    memset(gen->line + head_len, 'x', bytes - head_len - 2);
    memcpy(gen->line + bytes - 2, "\"}", 3);
    gen->line_len = bytes;
}

static void
make_line(struct generator *gen, long long n)
{
    const struct bad_kind *bad = bad_kind_of(gen->bad, n);
    bool                   last = n == gen->lines;
    const char            *eol = last && !gen->last_eol ? "" : gen->eol;

    if (is_blank_line(gen, n)) {
        line_reserve(gen, 8);
        gen->line_len = (size_t)snprintf(gen->line, gen->line_cap, "%s", n % 2 ? " \t" : "");
    } else if (bad != NULL && bad->text == NULL) {
        make_sized_line(gen, TOO_LONG_BYTES);
    } else if (bad != NULL) {
        line_reserve(gen, strlen(bad->text) + 1);
        gen->line_len = (size_t)snprintf(gen->line, gen->line_cap, "%s", bad->text);
    } else {
        make_good_line(gen, n);
    }
    line_reserve(gen, gen->line_len + strlen(eol) + 1);
    memcpy(gen->line + gen->line_len, eol, strlen(eol) + 1);
    gen->line_len += strlen(eol);
    gen->line_off = 0;
}

static size_t
on_read(char *buffer, size_t size, size_t nmemb, void *userdata)
{
    struct generator *gen = userdata;
    size_t            room = size * nmemb;
    size_t            filled = 0;

    if (gen->piece_max > 0 && room > gen->piece_max)
        room = gen->piece_max;
    while (filled < room) {
        size_t n;

        if (gen->line_off == gen->line_len) {
            if (gen->sent == gen->lines)
                break;
            if (gen->abort_after > 0 && gen->sent == gen->abort_after) {
                /* Give the service time to read what was sent, so that it
                 * is waiting for more when the connection closes. */
                struct timespec pause = {ABANDON_PAUSE_MS / 1000,
                                         (ABANDON_PAUSE_MS % 1000) * 1000000L};

                nanosleep(&pause, NULL);
                return CURL_READFUNC_ABORT;
            }
            make_line(gen, ++gen->sent);
        }
        n = gen->line_len - gen->line_off;
        if (n > room - filled)
            n = room - filled;
        memcpy(buffer + filled, gen->line + gen->line_off, n);
        gen->line_off += n;
        filled += n;
    }
    return filled;
}

static void
expected_of(const struct generator *gen, struct expected *want)
{
    memset(want, 0, sizeof(*want));
    for (long long n = 1; n <= gen->lines; n++) {
        if (is_blank_line(gen, n)) {
            want->blank++;
            continue;
        }
        want->received++;
        if (bad_kind_of(gen->bad, n) != NULL) {
            want->rejected++;
        } else {
            want->stored++;
            want->line_sum += n;
        }
    }
}

static size_t
on_answer(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct answer *answer = userdata;
    size_t         n = size * nmemb;
    char          *grown = realloc(answer->body, answer->body_len + n + 1);

    if (grown == NULL)
        return 0;
    memcpy(grown + answer->body_len, chunk, n);
    answer->body = grown;
    answer->body_len += n;
    answer->body[answer->body_len] = '\0';
    return n;
}

/* POSTs the generator's lines chunked. Returns curl's result; fills
 * *answer (free with answer_free) when a response arrived. */
static CURLcode
post_generated(struct generator *gen, const char *content_type, long timeout_ms,
               struct answer *answer)
{
    CURL              *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char              *url = NULL;
    char              *type_header = NULL;
    char              *type = NULL;
    char               authorization[128];
    CURLcode           rc;

    memset(answer, 0, sizeof(*answer));
    ck_assert(curl != NULL);
    ck_assert(asprintf(&url, "%s%s", testutil_env("FRAUD_TEST_BASE_URL"), IMPORT_PATH) > 0);
    ck_assert(asprintf(&type_header, "Content-Type: %s", content_type) > 0);
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    headers = curl_slist_append(headers, type_header);
    http_client_authorization(authorization, sizeof(authorization), NULL);
    headers = curl_slist_append(headers, authorization);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, gen);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
        answer->content_type = type != NULL ? strdup(type) : NULL;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(type_header);
    free(url);
    return rc;
}

static void
answer_free(struct answer *answer)
{
    free(answer->body);
    free(answer->content_type);
    memset(answer, 0, sizeof(*answer));
}

/* Returns the 200 body of an import as a new reference; fails the test
 * on any other answer. */
static json_t *
import_result(const struct answer *answer)
{
    json_error_t error;
    json_t      *result;

    ck_assert_msg(answer->status == 200, "status %ld: %.400s", answer->status,
                  answer->body != NULL ? answer->body : "");
    ck_assert_msg(answer->content_type != NULL
                      && strncmp(answer->content_type, "application/json", 16) == 0,
                  "Content-Type %s", answer->content_type ? answer->content_type : "(none)");
    result = json_loadb(answer->body, answer->body_len, 0, &error);
    ck_assert_msg(json_is_object(result), "answer is not a JSON object: %.300s", answer->body);
    return result;
}

static long long
member_int(const json_t *object, const char *name)
{
    json_t *value = json_object_get(object, name);

    ck_assert_msg(json_is_integer(value), "member %s is not an integer", name);
    return json_integer_value(value);
}

static void
assert_counts(const json_t *result, const struct expected *want)
{
    ck_assert_int_eq(member_int(result, "received"), want->received);
    ck_assert_int_eq(member_int(result, "stored"), want->stored);
    ck_assert_int_eq(member_int(result, "rejected"), want->rejected);
    ck_assert_int_eq(member_int(result, "blank"), want->blank);
    ck_assert(json_is_array(json_object_get(result, "errors")));
}

/* Stored reports carrying `marker`, and the sum of the line numbers their
 * narratives name. */
static void
assert_stored(const char *marker, const struct expected *want)
{
    const char *params[1] = {marker};
    PGresult   *rows = test_db_query(
        "select count(*), coalesce(sum(split_part(narrative, ' ', 2)::bigint), 0),"
        " (select count(*) from report_phones p join reports r on r.id = p.report_id"
        "   where r.locality = $1 and p.e164 like '+86138%' and p.valid),"
        " (select count(*) from report_apps a join reports r on r.id = a.report_id"
        "   where r.locality = $1 and a.name = '开会宝' and a.role = 'screen_share'),"
        " (select count(*) from import_staging)"
        " from reports where locality = $1",
        1, params);

    ck_assert_int_eq(strtoll(PQgetvalue(rows, 0, 0), NULL, 10), want->stored);
    ck_assert_int_eq(strtoll(PQgetvalue(rows, 0, 1), NULL, 10), want->line_sum);
    ck_assert_int_eq(strtoll(PQgetvalue(rows, 0, 2), NULL, 10), want->stored);
    ck_assert_int_eq(strtoll(PQgetvalue(rows, 0, 3), NULL, 10), want->stored);
    ck_assert_int_eq(strtoll(PQgetvalue(rows, 0, 4), NULL, 10), 0);
    PQclear(rows);
}

/* The errors list names the first ERRORS_LISTED bad lines, in order, each
 * with the problem its kind gives. */
static void
assert_errors(const json_t *result, const struct generator *gen)
{
    json_t   *errors = json_object_get(result, "errors");
    size_t    listed = 0;

    for (long long n = 1; n <= gen->lines && listed < ERRORS_LISTED; n++) {
        const struct bad_kind *bad = bad_kind_of(gen->bad, n);
        json_t                *item;
        json_t                *problem;
        const char            *type;

        if (bad == NULL)
            continue;
        item = json_array_get(errors, listed++);
        ck_assert_msg(item != NULL, "errors has %zu items; line %lld is missing",
                      json_array_size(errors), n);
        ck_assert_int_eq(member_int(item, "line"), n);
        problem = json_object_get(item, "problem");
        type = json_string_value(json_object_get(problem, "type"));
        ck_assert_msg(type != NULL && strcmp(type, bad->type) == 0,
                      "line %lld (%s): problem type %s, expected %s", n, bad->kind,
                      type ? type : "(none)", bad->type);
        if (strcmp(bad->pointer, "-") != 0) {
            json_t *first = json_array_get(json_object_get(problem, "errors"), 0);

            ck_assert_msg(first != NULL, "line %lld: no errors list", n);
            ck_assert_str_eq(json_string_value(json_object_get(first, "pointer")), bad->pointer);
        }
    }
    ck_assert_int_eq(json_array_size(errors), listed);
}

static char *
new_marker(const char *what)
{
    char *marker;

    ck_assert(asprintf(&marker, "import-%s-%ld-%ld", what, (long)getpid(), (long)time(NULL)) > 0);
    return marker;
}

/* GET /healthz in a loop from another thread while an import runs. */
struct probe {
    atomic_bool stop;
    int         answered;
    int         failed;
    double      slowest_ms;
};

static double
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void *
probe_run(void *arg)
{
    struct probe       *probe = arg;
    struct http_request req = {.method = "GET", .path = "/healthz", .timeout_ms = 10000};
    struct timespec     pause = {0, PROBE_PAUSE_NS};

    while (!atomic_load(&probe->stop)) {
        struct http_response resp;
        double               started = now_ms();
        double               took;

        if (http_client_perform(&req, &resp) == 0 && resp.status == 200)
            probe->answered++;
        else
            probe->failed++;
        took = now_ms() - started;
        if (took > probe->slowest_ms)
            probe->slowest_ms = took;
        http_client_response_free(&resp);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

START_TEST(test_large_import_counts_and_stores_every_good_line)
{
    struct bad_table bad;
    char            *marker = new_marker("large");
    struct generator gen = {.marker = marker, .lines = LARGE_LINES, .eol = "\n",
                            .last_eol = true};
    struct expected  want;
    struct answer    answer;
    struct probe     probe = {0};
    pthread_t        prober;
    json_t          *result;
    CURLcode         rc;

    bad_table_load(&bad, marker);
    gen.bad = &bad;
    expected_of(&gen, &want);
    ck_assert_int_gt(want.rejected, ERRORS_LISTED);
    ck_assert_int_gt(want.blank, 0);

    ck_assert_int_eq(pthread_create(&prober, NULL, probe_run, &probe), 0);
    rc = post_generated(&gen, NDJSON, LARGE_TIMEOUT_MS, &answer);
    atomic_store(&probe.stop, true);
    pthread_join(prober, NULL);
    ck_assert_msg(rc == CURLE_OK, "import: %s", curl_easy_strerror(rc));

    result = import_result(&answer);
    assert_counts(result, &want);
    assert_errors(result, &gen);
    assert_stored(marker, &want);
    /* The service kept answering while it took 20 MB in. */
    ck_assert_msg(probe.answered >= 3 && probe.failed == 0,
                  "/healthz during the import: %d answered, %d failed", probe.answered,
                  probe.failed);
    ck_assert_msg(probe.slowest_ms < HEALTHZ_MAX_MS, "/healthz took %.0f ms during the import",
                  probe.slowest_ms);

    json_decref(result);
    answer_free(&answer);
    free(gen.line);
    bad_table_free(&bad);
    free(marker);
}
END_TEST

/* CRLF line ends, tiny pieces so that lines and even CR LF pairs are cut
 * across pieces, and a last line without its line end. */
START_TEST(test_crlf_small_pieces_and_last_line_without_newline)
{
    char            *marker = new_marker("crlf");
    struct generator gen = {.marker = marker, .lines = 40, .eol = "\r\n", .last_eol = false,
                            .piece_max = 7};
    struct expected  want;
    struct answer    answer;
    json_t          *result;

    expected_of(&gen, &want);
    ck_assert_int_eq(post_generated(&gen, NDJSON "; charset=utf-8", 30000, &answer), CURLE_OK);
    result = import_result(&answer);
    assert_counts(result, &want);
    ck_assert_int_eq(want.stored, 40);
    assert_stored(marker, &want);
    json_decref(result);
    answer_free(&answer);
    free(gen.line);
    free(marker);
}
END_TEST

/* POSTs `body` whole (not generated). Fills *resp; caller frees it. */
static void
post_body(const char *content_type, const char *body, struct http_response *resp)
{
    struct http_request req = {.method = "POST", .path = IMPORT_PATH,
                               .content_type = content_type, .body = body,
                               .body_len = strlen(body), .chunked = true};

    ck_assert_msg(http_client_perform(&req, resp) == 0, "POST %s: %s", IMPORT_PATH,
                  resp->error);
}

START_TEST(test_empty_body_counts_nothing)
{
    struct http_response resp;
    json_t              *result;

    post_body(NDJSON, "", &resp);
    ck_assert_int_eq(resp.status, 200);
    http_client_assert_common(&resp);
    result = http_client_json(&resp);
    ck_assert_int_eq(member_int(result, "received"), 0);
    ck_assert_int_eq(member_int(result, "stored"), 0);
    ck_assert_int_eq(member_int(result, "rejected"), 0);
    ck_assert_int_eq(member_int(result, "blank"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(result, "errors")), 0);
    json_decref(result);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_other_media_types_are_refused)
{
    static const char *const refused[] = {
        "application/json", "text/plain", "application/x-ndjson; charset=latin1", NULL,
    };
    char                 *marker = new_marker("media");
    char                 *body = NULL;
    struct test_db_counts before;

    ck_assert(asprintf(&body,
                       "{\"source\": \"public\", \"scam_type\": \"other\", \"stage\": \"contact\","
                       " \"phones\": [\"13800000000\"], \"locality\": \"%s\"}\n",
                       marker) > 0);
    test_db_counts_take(&before);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct http_response resp;
        json_t              *problem;

        post_body(refused[i], body, &resp);
        problem = http_client_assert_problem(&resp, 415, "/problems/unsupported-media-type");
        json_decref(problem);
        http_client_response_free(&resp);
    }
    test_db_counts_assert_same(&before, "a refused media type");
    free(body);
    free(marker);
}
END_TEST

/* A line of exactly the cap is read (and refused as a report); one byte
 * more is too long; a CR before the newline does not count. */
START_TEST(test_line_cap_is_exact)
{
    struct generator gen = {0};
    char            *body;
    size_t           at = 0;
    struct http_response resp;
    json_t          *result;
    json_t          *errors;
    static const char *const types[] = {
        "/problems/invalid-report", "/problems/invalid-report", "/problems/line-too-long",
    };
    static const char *const ends[] = {"\n", "\r\n", "\n"};
    static const size_t sizes[] = {LINE_MAX_BYTES, LINE_MAX_BYTES, LINE_MAX_BYTES + 1};

    body = malloc(3 * (LINE_MAX_BYTES + 3) + 1);
    ck_assert(body != NULL);
    for (size_t i = 0; i < 3; i++) {
        make_sized_line(&gen, sizes[i]);
        memcpy(body + at, gen.line, gen.line_len);
        at += gen.line_len;
        memcpy(body + at, ends[i], strlen(ends[i]));
        at += strlen(ends[i]);
    }
    body[at] = '\0';
    post_body(NDJSON, body, &resp);
    ck_assert_msg(resp.status == 200, "status %ld: %.300s", resp.status, resp.body);
    result = http_client_json(&resp);
    ck_assert_int_eq(member_int(result, "rejected"), 3);
    errors = json_object_get(result, "errors");
    ck_assert_int_eq(json_array_size(errors), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *item = json_array_get(errors, i);
        json_t *problem = json_object_get(item, "problem");

        ck_assert_int_eq(member_int(item, "line"), (long long)i + 1);
        ck_assert_str_eq(json_string_value(json_object_get(problem, "type")), types[i]);
    }
    json_decref(result);
    http_client_response_free(&resp);
    free(body);
    free(gen.line);
}
END_TEST

/* Characters that COPY's text format escapes reach the database as sent. */
START_TEST(test_copy_special_characters_survive)
{
    static const char narrative[] = "tab\there\nnew line, back\\slash \\N, \\. quote \" 塘厦镇";
    char                *marker = new_marker("escape");
    char                *body;
    char                *stored;
    json_t              *line;
    const char          *params[1];
    struct http_response resp;
    json_t              *result;

    line = json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s}", "source", "public", "scam_type",
                     "other", "stage", "contact", "urls", "http://example.com/a\\b",
                     "locality", marker, "narrative", narrative);
    body = json_dumps(line, JSON_COMPACT);
    ck_assert(body != NULL);
    post_body(NDJSON, body, &resp);
    result = http_client_json(&resp);
    ck_assert_msg(resp.status == 200 && member_int(result, "stored") == 1, "%.300s", resp.body);
    params[0] = marker;
    stored = test_db_scalar("select narrative from reports where locality = $1", 1, params);
    ck_assert_str_eq(stored, narrative);
    free(stored);
    stored = test_db_scalar("select u.url from report_urls u join reports r"
                            " on r.id = u.report_id where r.locality = $1", 1, params);
    ck_assert_str_eq(stored, "http://example.com/a\\b");
    free(stored);
    json_decref(result);
    http_client_response_free(&resp);
    json_decref(line);
    free(body);
    free(marker);
}
END_TEST

/* A client that gives up half way stores nothing, and once the service
 * has read what was already sent, the import slot and the database
 * connection are back: the next import goes through. */
START_TEST(test_abandoned_upload_stores_nothing)
{
    char            *marker = new_marker("abandoned");
    struct generator gen = {.marker = marker, .lines = 5000, .eol = "\n", .last_eol = true,
                            .abort_after = 500};
    struct expected  want;
    struct answer    answer;
    struct timespec  pause = {0, 100000000L};
    double           deadline = now_ms() + ABANDON_SETTLE_MS;
    CURLcode         rc;

    rc = post_generated(&gen, NDJSON, 30000, &answer);
    ck_assert_msg(rc == CURLE_ABORTED_BY_CALLBACK, "upload was not abandoned: %s",
                  curl_easy_strerror(rc));
    answer_free(&answer);
    free(gen.line);

    gen = (struct generator){.marker = marker, .lines = 3, .eol = "\n", .last_eol = true};
    expected_of(&gen, &want);
    for (;;) {
        gen.sent = 0;
        gen.line_len = gen.line_off = 0;
        ck_assert_int_eq(post_generated(&gen, NDJSON, 30000, &answer), CURLE_OK);
        if (answer.status != 503 || now_ms() > deadline)
            break;
        answer_free(&answer);
        nanosleep(&pause, NULL);
    }
    json_decref(import_result(&answer));
    assert_stored(marker, &want);
    answer_free(&answer);
    free(gen.line);
    free(marker);
}
END_TEST

Suite *
http_import_suite(void)
{
    Suite *suite = suite_create("http_import");
    TCase *small = tcase_create("small");
    TCase *large = tcase_create("large");

    tcase_add_unchecked_fixture(small, http_client_setup, http_client_teardown);
    tcase_set_timeout(small, 60);
    tcase_add_test(small, test_empty_body_counts_nothing);
    tcase_add_test(small, test_other_media_types_are_refused);
    tcase_add_test(small, test_crlf_small_pieces_and_last_line_without_newline);
    tcase_add_test(small, test_line_cap_is_exact);
    tcase_add_test(small, test_copy_special_characters_survive);
    tcase_add_test(small, test_abandoned_upload_stores_nothing);
    suite_add_tcase(suite, small);

    tcase_add_unchecked_fixture(large, http_client_setup, http_client_teardown);
    tcase_set_timeout(large, LARGE_TIMEOUT_MS / 1000 + 30);
    tcase_add_test(large, test_large_import_counts_and_stores_every_good_line);
    suite_add_tcase(suite, large);
    return suite;
}
