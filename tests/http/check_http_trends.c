/*
 * Black-box tests of the trend routes (GET /v1/trends/series, /top,
 * /funnel, /summary) and of GET /v1/indicators/lookup: answers and their
 * CSV form, the source header, parameter errors, k-suppression for the
 * public key against raw numbers for the analyst key, and the two cases of
 * DOMAIN.md.
 *
 * Rollups are shared with every suite, so each test stores its reports in
 * days of 1996 that no other suite uses and reads only those days; the
 * seed-article test compares the funnel before and after it stores the
 * cases. Rollups are applied asynchronously: before reading, a test
 * applies whatever is pending and waits until nothing is.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "service_proc.h"
#include "test_db.h"

#define SETTLE_TIMEOUT_S 60
#define K                10

/* ---- helpers ---------------------------------------------------------------- */

/* Applies every pending rollup row and waits until none is left (the
 * service's worker may hold some for a moment). */
static void
settle(void)
{
    time_t deadline = time(NULL) + SETTLE_TIMEOUT_S;

    for (;;) {
        char *left;

        PQclear(test_db_query("SELECT trend_apply(100000)", 0, NULL));
        left = test_db_scalar("SELECT count(*) FROM trend_pending", 0, NULL);
        if (strcmp(left, "0") == 0) {
            free(left);
            return;
        }
        free(left);
        ck_assert_msg(time(NULL) < deadline, "trend_pending did not drain in %d s",
                      SETTLE_TIMEOUT_S);
        usleep(50 * 1000);
    }
}

/* GET `path` with `key` ("analyst", "public" ...) and, when csv, Accept:
 * text/csv. Fills *resp (caller frees); fails when no answer arrives. */
static void
get_as(const char *role, const char *path, bool csv, struct http_response *resp)
{
    const char *const   accept[] = {"Accept: text/csv", NULL};
    struct http_request req = {
        .method = "GET", .path = path, .key = http_client_key(role),
        .headers = csv ? accept : NULL,
    };

    ck_assert_msg(http_client_perform(&req, resp) == 0, "GET %s: %s", path, resp->error);
    http_client_assert_common(resp);
}

/* GET as `role`, expecting 200 JSON from `source` ("rollup", "base");
 * returns the body (new reference). */
static json_t *
get_json(const char *role, const char *path, const char *source)
{
    struct http_response resp;
    json_t              *body;
    const char          *answered;

    get_as(role, path, false, &resp);
    ck_assert_msg(resp.status == 200, "GET %s answered %ld: %.400s", path, resp.status,
                  resp.body);
    answered = http_client_header(&resp, "X-Trend-Source");
    ck_assert_msg(answered != NULL, "GET %s: no X-Trend-Source", path);
    if (source != NULL)
        ck_assert_msg(strcmp(answered, source) == 0, "GET %s came from %s, want %s", path,
                      answered, source);
    body = http_client_json(&resp);
    http_client_response_free(&resp);
    return body;
}

/* GET as `role` with Accept: text/csv; returns the body (new string). */
static char *
get_csv_as(const char *role, const char *path)
{
    struct http_response resp;
    const char          *type;
    char                *text;

    get_as(role, path, true, &resp);
    ck_assert_msg(resp.status == 200, "GET %s (CSV) answered %ld", path, resp.status);
    type = http_client_header(&resp, "Content-Type");
    ck_assert_msg(type != NULL && strncmp(type, "text/csv", 8) == 0, "GET %s: Content-Type %s",
                  path, type != NULL ? type : "(none)");
    ck_assert_ptr_nonnull(http_client_header(&resp, "X-Trend-Source"));
    text = strdup(resp.body);
    http_client_response_free(&resp);
    return text;
}

static char *
get_csv(const char *path)
{
    return get_csv_as("analyst", path);
}

/* The first record of a CSV text (its header), without the CR LF. */
static char *
csv_header(const char *text)
{
    const char *end = strstr(text, "\r\n");

    ck_assert_msg(end != NULL, "CSV has no CR LF record end: %.200s", text);
    return strndup(text, (size_t)(end - text));
}

/* POSTs the JSON array `reports` to /v1/reports:batch; every item must be
 * stored. */
static void
post_batch(json_t *reports)
{
    char                *body = json_dumps(reports, JSON_COMPACT);
    struct http_response resp;
    json_t              *answer, *item;
    size_t               i;

    ck_assert_ptr_nonnull(body);
    http_client_post_json("/v1/reports:batch", body, strlen(body), &resp);
    ck_assert_msg(resp.status == 207, "batch answered %ld: %.300s", resp.status, resp.body);
    answer = http_client_json(&resp);
    json_array_foreach(json_object_get(answer, "results"), i, item)
        ck_assert_msg(json_integer_value(json_object_get(item, "status")) == 201,
                      "batch item %zu not stored: %.300s", i, resp.body);
    json_decref(answer);
    json_decref(reports);
    http_client_response_free(&resp);
    free(body);
}

/* n reports of one kind at `occurred_at`. */
static void
add_reports(json_t *batch, int n, const char *scam_type, const char *stage,
            const char *occurred_at, const char *phone, const char *app, long long loss)
{
    for (int i = 0; i < n; i++)
        json_array_append_new(batch,
                              json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[{s:s}], s:{s:I, s:s}}",
                                        "source", "victim", "scam_type", scam_type, "stage",
                                        stage, "occurred_at", occurred_at, "phones", phone,
                                        "apps", "name", app, "loss", "amount", loss,
                                        "currency", "CNY"));
}

/* Whether reports that happened at `occurred_at` are stored already: the
 * tests of one TCase share the reports of their days. */
static bool
stored(const char *occurred_at)
{
    const char *params[1] = {occurred_at};
    char       *count = test_db_scalar("SELECT count(*) FROM reports"
                                       " WHERE occurred_at = $1::timestamptz", 1, params);
    bool        yes = strcmp(count, "0") != 0;

    free(count);
    return yes;
}

static json_int_t
integer_at(const json_t *object, const char *key)
{
    const json_t *value = json_object_get(object, key);

    ck_assert_msg(json_is_integer(value), "%s is not an integer", key);
    return json_integer_value(value);
}

static json_t *
funnel_stage(const json_t *funnel, const char *stage)
{
    size_t  i;
    json_t *item;

    json_array_foreach(json_object_get(funnel, "stages"), i, item)
        if (strcmp(json_string_value(json_object_get(item, "stage")), stage) == 0)
            return item;
    ck_abort_msg("funnel has no stage %s", stage);
    return NULL;
}

/* ---- the series, its buckets and its sources ----------------------------------- */

#define FEB "from=1996-02-01T00:00:00%2B08:00&to=1996-03-01T00:00:00%2B08:00"

static void
store_february(void)
{
    json_t *batch;

    if (stored("1996-02-05T09:00:00+08:00")) {
        settle();
        return;
    }
    batch = json_array();
    add_reports(batch, 2, "fake_loan", "contact", "1996-02-05T09:00:00+08:00", "+8617100002001",
                "February loan app", 0);
    add_reports(batch, 1, "romance", "first_payment", "1996-02-05T23:59:59+08:00",
                "+8617100002002", "February chat", 150000);
    add_reports(batch, 1, "fake_loan", "repeat_payment", "1996-02-12T00:00:00+08:00",
                "+8617100002001", "February loan app", 250000);
    post_batch(batch);
    settle();
}

START_TEST(test_series_weeks)
{
    json_t *body, *buckets, *week;

    store_february();
    body = get_json("analyst", "/v1/trends/series?" FEB "&interval=week&by=scam_type", "rollup");
    buckets = json_object_get(body, "buckets");
    /* Mondays from the week holding February 1 (a Thursday) to the week
     * holding February 29; every week present, empty ones with zeros. */
    ck_assert_uint_eq(json_array_size(buckets), 5);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(buckets, 0), "start")),
                     "1996-01-29T00:00:00+08:00");
    week = json_array_get(buckets, 1);
    ck_assert_str_eq(json_string_value(json_object_get(week, "start")),
                     "1996-02-05T00:00:00+08:00");
    ck_assert_int_eq(integer_at(week, "total"), 3);
    ck_assert_int_eq(integer_at(json_object_get(week, "values"), "fake_loan"), 2);
    ck_assert_int_eq(integer_at(json_object_get(week, "values"), "romance"), 1);
    week = json_array_get(buckets, 2);
    ck_assert_int_eq(integer_at(week, "total"), 1);
    ck_assert_int_eq(integer_at(json_object_get(week, "values"), "romance"), 0);
    ck_assert_int_eq(integer_at(json_array_get(buckets, 0), "total"), 0);
    ck_assert_uint_eq(json_object_size(json_object_get(week, "values")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(body, "by")), "scam_type");
    ck_assert_ptr_null(json_object_get(week, "suppressed"));
    json_decref(body);

    /* The loss metric, one series per month. */
    body = get_json("analyst", "/v1/trends/series?" FEB "&interval=month&metric=loss", "rollup");
    buckets = json_object_get(body, "buckets");
    ck_assert_uint_eq(json_array_size(buckets), 1);
    ck_assert_int_eq(integer_at(json_array_get(buckets, 0), "total"), 400000);
    ck_assert_str_eq(json_string_value(json_object_get(body, "currency")), "CNY");
    ck_assert_ptr_null(json_object_get(json_array_get(buckets, 0), "values"));
    json_decref(body);
}
END_TEST

/* A bucket cut by `from` counts only what is inside the range; the zone
 * moves the days. */
START_TEST(test_series_cut_and_zones)
{
    json_t *body, *buckets;

    store_february();
    body = get_json("analyst",
                    "/v1/trends/series?from=1996-02-05T12:00:00%2B08:00"
                    "&to=1996-02-06T00:00:00%2B08:00",
                    "rollup");
    buckets = json_object_get(body, "buckets");
    ck_assert_uint_eq(json_array_size(buckets), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(buckets, 0), "start")),
                     "1996-02-05T00:00:00+08:00");
    ck_assert_int_eq(integer_at(json_array_get(buckets, 0), "total"), 1);
    json_decref(body);

    /* 23:59:59 in Shanghai is 15:59:59 UTC the same day; in New York it is
     * still February 5 (10:59:59 EST). */
    body = get_json("analyst",
                    "/v1/trends/series?from=1996-02-05T00:00:00-05:00&to=1996-02-07T00:00:00-05:00"
                    "&tz=America/New_York",
                    "rollup");
    buckets = json_object_get(body, "buckets");
    ck_assert_uint_eq(json_array_size(buckets), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(buckets, 0), "start")),
                     "1996-02-05T00:00:00-05:00");
    ck_assert_int_eq(integer_at(json_array_get(buckets, 0), "total"), 1);
    ck_assert_int_eq(integer_at(json_array_get(buckets, 1), "total"), 0);
    json_decref(body);

    /* Kolkata's :30 offset cannot be served from UTC hours. */
    body = get_json("analyst",
                    "/v1/trends/series?from=1996-02-05T00:00:00%2B05:30"
                    "&to=1996-02-06T00:00:00%2B05:30&tz=Asia/Kolkata",
                    "base");
    ck_assert_int_eq(integer_at(json_array_get(json_object_get(body, "buckets"), 0), "total"),
                     3);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(json_object_get(body, "buckets"), 0),
                                          "start")),
        "1996-02-05T00:00:00+05:30");
    json_decref(body);
}
END_TEST

/* The same question from a rollup and from the base tables (a filter
 * every report passes sends it there) gives the same answer. */
START_TEST(test_rollup_and_base_agree)
{
    static const char *const queries[] = {
        "/v1/trends/series?" FEB "&by=stage&metric=victims_with_loss",
        "/v1/trends/series?from=1996-02-01T00:00:00Z&to=1996-02-15T00:00:00Z&tz=UTC&by=channel",
        "/v1/trends/series?" FEB "&by=app&interval=week",
        "/v1/trends/top?" FEB "&kind=phone",
        "/v1/trends/top?" FEB "&kind=region",
        "/v1/trends/funnel?" FEB,
        "/v1/trends/summary?" FEB,
    };

    store_february();
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        char   *base_path;
        json_t *rollup = get_json("analyst", queries[i], "rollup");
        json_t *base;

        ck_assert(asprintf(&base_path, "%s&stage_min=contact", queries[i]) > 0);
        base = get_json("analyst", base_path, "base");
        ck_assert_msg(json_equal(rollup, base), "%s: rollup and base differ", queries[i]);
        json_decref(rollup);
        json_decref(base);
        free(base_path);
    }
}
END_TEST

#define JUNE "from=1996-06-05T00:00:00%2B08:00&to=1996-06-06T00:00:00%2B08:00"

/* Losses in several currencies come in currency order, from the rollups
 * and from the base tables alike (stored here out of that order). */
START_TEST(test_top_losses_by_currency)
{
    static const char *const currencies[] = {"USD", "CNY", "EUR", "CNY"};
    static const json_int_t  amounts[] = {100, 200, 300, 2900};
    static const char *const paths[][2] = {
        {"/v1/trends/top?" JUNE "&kind=phone", "rollup"},
        {"/v1/trends/top?" JUNE "&kind=phone&stage_min=contact", "base"},
    };
    static const char want[] = "\"loss\":{\"CNY\":3100,\"EUR\":300,\"USD\":100}";

    if (!stored("1996-06-05T10:00:00+08:00")) {
        json_t *batch = json_array();

        for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
            json_array_append_new(
                batch, json_pack("{s:s, s:s, s:s, s:s, s:[s], s:{s:I, s:s}}", "source",
                                 "victim", "scam_type", "fake_loan", "stage", "first_payment",
                                 "occurred_at", "1996-06-05T10:00:00+08:00", "phones",
                                 "+8617100006001", "loss", "amount", amounts[i], "currency",
                                 currencies[i]));
        post_batch(batch);
    }
    settle();
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct http_response resp;

        get_as("analyst", paths[i][0], false, &resp);
        ck_assert_int_eq(resp.status, 200);
        ck_assert_str_eq(http_client_header(&resp, "X-Trend-Source"), paths[i][1]);
        ck_assert_msg(strstr(resp.body, want) != NULL, "%s: %.400s, want %s", paths[i][0],
                      resp.body, want);
        http_client_response_free(&resp);
    }
}
END_TEST

/* ---- CSV ---------------------------------------------------------------------- */

START_TEST(test_csv_every_route)
{
    static const struct {
        const char *path, *header;
    } routes[] = {
        {"/v1/trends/series?" FEB "&by=scam_type", "start,total,fake_loan,romance"},
        {"/v1/trends/top?" FEB "&kind=phone",
         "value,reports,previous_reports,change,first_seen,last_seen,loss_CNY"},
        {"/v1/trends/funnel?" FEB, "stage,reached,share"},
        {"/v1/trends/summary?" FEB, "period,reports,victims_with_loss,loss_CNY"},
        {"/v1/indicators/lookup?phone=%2B8617100002001",
         "kind,value,known,reports,first_seen,last_seen,scam_types,stages,loss_CNY"},
    };

    store_february();
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        char *text = get_csv(routes[i].path);
        char *header = csv_header(text);

        ck_assert_msg(strcmp(header, routes[i].header) == 0, "%s: header %s, want %s",
                      routes[i].path, header, routes[i].header);
        free(header);
        free(text);
    }
}
END_TEST

/* RFC 4180: a field with a comma or a quote is quoted, quotes doubled. */
START_TEST(test_csv_quoting)
{
    json_t *batch = json_array();
    char   *text;

    add_reports(batch, 1, "other", "contact", "1996-03-04T10:00:00+08:00", "+8617100003001",
                "Say \"hi\", pay", 0);
    post_batch(batch);
    settle();
    text = get_csv("/v1/trends/series?from=1996-03-04T00:00:00%2B08:00"
                   "&to=1996-03-05T00:00:00%2B08:00&by=app");
    ck_assert_str_eq(text, "start,total,\"Say \"\"hi\"\", pay\"\r\n"
                           "1996-03-04T00:00:00+08:00,1,1\r\n");
    free(text);
    text = get_csv("/v1/trends/top?from=1996-03-04T00:00:00%2B08:00"
                   "&to=1996-03-05T00:00:00%2B08:00&kind=app");
    ck_assert_msg(strstr(text, "\r\n\"Say \"\"hi\"\", pay\",1,0,,1996-03-04,1996-03-04,0\r\n")
                      != NULL,
                  "top CSV: %s", text);
    free(text);
}
END_TEST

/* ---- parameter errors ----------------------------------------------------------- */

/* "parameter:code ..." of a problem's errors. */
static void
describe_errors(const json_t *problem, char *out, size_t size)
{
    size_t  used = 0, i;
    json_t *item;

    out[0] = '\0';
    json_array_foreach(json_object_get(problem, "errors"), i, item)
        used += (size_t)snprintf(out + used, size - used, "%s%s:%s", i == 0 ? "" : " ",
                                 json_string_value(json_object_get(item, "parameter")),
                                 json_string_value(json_object_get(item, "code")));
}

START_TEST(test_bad_parameters)
{
    char *text = testutil_read_data("trends/http_errors.tsv", NULL);
    char *rest = text, *line;
    int   cases = 0;

    while ((line = strsep(&rest, "\n")) != NULL) {
        struct http_response resp;
        json_t              *problem;
        char                *path, got[512];

        if (line[0] == '\0' || line[0] == '#')
            continue;
        path = strsep(&line, "\t");
        ck_assert_ptr_nonnull(line);
        get_as("analyst", path, false, &resp);
        problem = http_client_assert_problem(&resp, 400, "/problems/invalid-query");
        describe_errors(problem, got, sizeof(got));
        ck_assert_msg(strcmp(got, line) == 0, "%s: errors %s, want %s", path, got, line);
        ck_assert_ptr_null(http_client_header(&resp, "X-Trend-Source"));
        json_decref(problem);
        http_client_response_free(&resp);
        cases++;
    }
    ck_assert_int_ge(cases, 15);
    free(text);
}
END_TEST

/* Three years of days by county, with reports in 25 counties: more cells
 * than an answer may hold. */
START_TEST(test_too_many_cells)
{
    PGresult            *counties = test_db_query(
        "SELECT code FROM regions WHERE level = 'county' ORDER BY code LIMIT 25", 0, NULL);
    json_t              *batch = json_array();
    struct http_response resp;
    json_t              *problem, *error;

    ck_assert_int_eq(PQntuples(counties), 25);
    for (int i = 0; i < 25; i++)
        json_array_append_new(batch, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "source",
                                               "victim", "scam_type", "other", "stage",
                                               "contact", "occurred_at",
                                               "1996-06-10T10:00:00+08:00", "region",
                                               PQgetvalue(counties, i, 0), "phones",
                                               "+8617100004001"));
    PQclear(counties);
    post_batch(batch);
    settle();
    get_as("analyst",
           "/v1/trends/series?from=1994-01-02T00:00:00%2B08:00&to=1996-12-31T00:00:00%2B08:00"
           "&by=county",
           false, &resp);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-query");
    error = json_array_get(json_object_get(problem, "errors"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(error, "parameter")), "by");
    ck_assert_str_eq(json_string_value(json_object_get(error, "code")), "too_many_cells");
    json_decref(problem);
    http_client_response_free(&resp);
    /* By month the same range fits. */
    json_decref(get_json("analyst",
                         "/v1/trends/series?from=1994-01-02T00:00:00%2B08:00"
                         "&to=1996-12-31T00:00:00%2B08:00&by=county&interval=month",
                         "rollup"));
}
END_TEST

/* A statement that runs past STATEMENT_TIMEOUT_MS is cancelled and
 * answered as such: a second service with a 200 ms limit asks the base
 * tables while another session holds `reports` locked, so the statement
 * waits until cancelled; 503 /problems/timeout, without Retry-After (the
 * same request would take as long). Once the lock is gone, the same
 * request answers. */
START_TEST(test_statement_timeout)
{
    const char *const    env[] = {"STATEMENT_TIMEOUT_MS=200", NULL};
    const char          *path = "/v1/trends/summary?" FEB "&stage_min=contact";
    struct service_proc  proc;
    struct http_request  req = {.method = "GET", .path = path, .key = http_client_key("analyst")};
    struct http_response resp;
    PGconn              *locker = PQconnectdb(testutil_env("FRAUD_TEST_DATABASE_URL"));
    PGresult            *res;

    ck_assert_msg(PQstatus(locker) == CONNECTION_OK, "%s", PQerrorMessage(locker));
    service_proc_start(&proc, env);
    req.base_url = proc.base_url;
    res = PQexec(locker, "BEGIN; LOCK TABLE reports IN ACCESS EXCLUSIVE MODE");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    PQclear(PQexec(locker, "ROLLBACK"));
    json_decref(http_client_assert_problem(&resp, 503, "/problems/timeout"));
    ck_assert_ptr_null(http_client_header(&resp, "Retry-After"));
    http_client_response_free(&resp);

    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    ck_assert_msg(resp.status == 200, "after the lock: %ld %.300s", resp.status, resp.body);
    ck_assert_str_eq(http_client_header(&resp, "X-Trend-Source"), "base");
    http_client_response_free(&resp);
    service_proc_stop(&proc);
    PQfinish(locker);
}
END_TEST

/* ---- suppression ------------------------------------------------------------------ */

#define APRIL "from=1996-04-03T00:00:00%2B08:00&to=1996-04-04T00:00:00%2B08:00"
#define APRIL_LOAN_PHONE  "+8617100005001"
#define APRIL_ROMANCE_PHONE "+8617100005002"

/* One day: 12 fake loans that got to first_payment losing 1,000 yuan
 * each, 3 romance scams stopped at contact. */
static void
store_april(void)
{
    json_t *batch;

    if (stored("1996-04-03T10:00:00+08:00")) {
        settle();
        return;
    }
    batch = json_array();
    add_reports(batch, 12, "fake_loan", "first_payment", "1996-04-03T10:00:00+08:00",
                APRIL_LOAN_PHONE, "April loan app", 100000);
    add_reports(batch, 3, "romance", "contact", "1996-04-03T11:00:00+08:00",
                APRIL_ROMANCE_PHONE, "April chat", 0);
    post_batch(batch);
    settle();
}

START_TEST(test_series_suppressed_for_public)
{
    json_t *body, *bucket, *values;

    store_april();
    body = get_json("analyst", "/v1/trends/series?" APRIL "&by=scam_type", "rollup");
    bucket = json_array_get(json_object_get(body, "buckets"), 0);
    values = json_object_get(bucket, "values");
    ck_assert_int_eq(integer_at(bucket, "total"), 15);
    ck_assert_int_eq(integer_at(values, "fake_loan"), 12);
    ck_assert_int_eq(integer_at(values, "romance"), 3);
    ck_assert_ptr_null(json_object_get(bucket, "suppressed"));
    json_decref(body);

    /* 3 is under k; 12 goes too, or it would be 15 - 12. */
    body = get_json("public", "/v1/trends/series?" APRIL "&by=scam_type", "rollup");
    bucket = json_array_get(json_object_get(body, "buckets"), 0);
    values = json_object_get(bucket, "values");
    ck_assert_int_eq(integer_at(bucket, "total"), 15);
    ck_assert(json_is_null(json_object_get(values, "romance")));
    ck_assert(json_is_null(json_object_get(values, "fake_loan")));
    ck_assert(json_is_true(json_object_get(bucket, "suppressed")));
    json_decref(body);

    /* The loss of 12 victims is shown; the CSV leaves hidden cells empty. */
    body = get_json("public", "/v1/trends/series?" APRIL "&metric=loss", "rollup");
    ck_assert_int_eq(integer_at(json_array_get(json_object_get(body, "buckets"), 0), "total"),
                     1200000);
    json_decref(body);
}
END_TEST

START_TEST(test_top_funnel_summary_suppressed_for_public)
{
    json_t *body, *items, *stage;
    char   *text;

    store_april();
    body = get_json("analyst", "/v1/trends/top?" APRIL "&kind=phone", "rollup");
    items = json_object_get(body, "items");
    ck_assert_uint_eq(json_array_size(items), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "value")),
                     APRIL_ROMANCE_PHONE);
    ck_assert_int_eq(integer_at(json_array_get(items, 1), "reports"), 3);
    ck_assert_ptr_null(json_object_get(json_array_get(items, 0), "suppressed"));
    ck_assert_ptr_null(json_object_get(body, "suppressed_rows"));
    json_decref(body);

    body = get_json("public", "/v1/trends/top?" APRIL "&kind=phone", "rollup");
    items = json_object_get(body, "items");
    ck_assert_uint_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "value")),
                     APRIL_LOAN_PHONE);
    ck_assert_int_eq(integer_at(json_array_get(items, 0), "reports"), 12);
    /* Nothing the period before: 0 is under k too. */
    ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "previous_reports")));
    ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "change")));
    ck_assert(json_is_true(json_object_get(json_array_get(items, 0), "suppressed")));
    ck_assert_int_eq(integer_at(body, "suppressed_rows"), 1);
    json_decref(body);
    /* The same in CSV: the hidden previous count and change are empty. */
    text = get_csv_as("public", "/v1/trends/top?" APRIL "&kind=phone");
    ck_assert_msg(strstr(text, "\r\n" APRIL_LOAN_PHONE ",12,,,") != NULL
                      && strstr(text, APRIL_ROMANCE_PHONE) == NULL,
                  "public top CSV: %s", text);
    free(text);

    body = get_json("public", "/v1/trends/funnel?" APRIL, "rollup");
    ck_assert_int_eq(integer_at(funnel_stage(body, "contact"), "reached"), 15);
    stage = funnel_stage(body, "first_payment");
    ck_assert_int_eq(integer_at(stage, "reached"), 12);
    ck_assert(json_real_value(json_object_get(stage, "share")) == 12.0 / 15.0);
    stage = funnel_stage(body, "repeat_payment");
    ck_assert(json_is_null(json_object_get(stage, "reached")));
    ck_assert(json_is_null(json_object_get(stage, "share")));
    ck_assert(json_is_true(json_object_get(stage, "suppressed")));
    json_decref(body);

    body = get_json("public", "/v1/trends/summary?" APRIL, "rollup");
    ck_assert_int_eq(integer_at(json_object_get(body, "current"), "reports"), 15);
    ck_assert_int_eq(integer_at(json_object_get(body, "current"), "victims_with_loss"), 12);
    ck_assert_int_eq(integer_at(json_object_get(json_object_get(body, "current"), "loss"),
                                "CNY"),
                     1200000);
    ck_assert(json_is_null(json_object_get(json_object_get(body, "previous"), "reports")));
    ck_assert(json_is_true(json_object_get(json_object_get(body, "previous"), "suppressed")));
    ck_assert(json_is_null(json_object_get(json_object_get(body, "change"), "reports")));
    json_decref(body);
}
END_TEST

START_TEST(test_lookup_suppressed_for_public)
{
    json_t *body;

    store_april();
    body = get_json("analyst", "/v1/indicators/lookup?phone=%2B8617100005002", "rollup");
    ck_assert(json_is_true(json_object_get(body, "known")));
    ck_assert_int_eq(integer_at(body, "reports"), 3);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "stages"), 0)),
                     "contact");
    json_decref(body);

    body = get_json("public", "/v1/indicators/lookup?phone=%2B8617100005002", "rollup");
    ck_assert(json_is_true(json_object_get(body, "known")));
    ck_assert(json_is_null(json_object_get(body, "reports")));
    ck_assert(json_is_true(json_object_get(body, "suppressed")));
    json_decref(body);

    body = get_json("public", "/v1/indicators/lookup?phone=%2B8617100005001", "rollup");
    ck_assert_int_eq(integer_at(body, "reports"), 12);
    ck_assert_int_eq(integer_at(json_object_get(body, "loss"), "CNY"), 1200000);
    ck_assert_ptr_null(json_object_get(body, "suppressed"));
    json_decref(body);

    body = get_json("public", "/v1/indicators/lookup?phone=%2B8617100005999", "rollup");
    ck_assert(json_is_false(json_object_get(body, "known")));
    json_decref(body);
}
END_TEST

/* An account and a URL match exactly, as stored. */
START_TEST(test_lookup_account_and_url)
{
    json_t *batch = json_array();
    json_t *body;

    json_array_append_new(batch,
                          json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:[s]}", "source",
                                    "victim", "scam_type", "fake_investment", "stage",
                                    "first_payment", "occurred_at", "1996-07-01T10:00:00+08:00",
                                    "accounts", "value", "6222 0219 9607 0101", "kind",
                                    "bank_card", "urls", "https://invest.example/1996?a=1&b=2"));
    /* The same account again, at 17:00 UTC: the next day in Shanghai. */
    json_array_append_new(batch,
                          json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}", "source", "victim",
                                    "scam_type", "fake_loan", "stage", "contact", "occurred_at",
                                    "1996-07-02T17:00:00Z", "accounts", "value",
                                    "6222 0219 9607 0101", "kind", "bank_card"));
    post_batch(batch);
    settle();
    body = get_json("analyst", "/v1/indicators/lookup?account=6222+0219+9607+0101", "rollup");
    ck_assert_str_eq(json_string_value(json_object_get(body, "kind")), "account");
    ck_assert_str_eq(json_string_value(json_object_get(body, "value")), "6222 0219 9607 0101");
    ck_assert(json_is_true(json_object_get(body, "known")));
    ck_assert_int_eq(integer_at(body, "reports"), 2);
    /* Asia/Shanghai days, the first and the last with a report. */
    ck_assert_str_eq(json_string_value(json_object_get(body, "first_seen")), "1996-07-01");
    ck_assert_str_eq(json_string_value(json_object_get(body, "last_seen")), "1996-07-03");
    /* Every code once, in vocabulary order, not in the order reported. */
    ck_assert_int_eq(json_array_size(json_object_get(body, "scam_types")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "scam_types"), 0)),
                     "fake_investment");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "scam_types"), 1)),
                     "fake_loan");
    ck_assert_int_eq(json_array_size(json_object_get(body, "stages")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "stages"), 0)),
                     "contact");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "stages"), 1)),
                     "first_payment");
    json_decref(body);
    body = get_json("analyst",
                    "/v1/indicators/lookup?url=https%3A%2F%2Finvest.example%2F1996%3Fa%3D1%26b%3D2",
                    "rollup");
    ck_assert_str_eq(json_string_value(json_object_get(body, "kind")), "url");
    ck_assert_int_eq(integer_at(body, "reports"), 1);
    json_decref(body);
    body = get_json("analyst", "/v1/indicators/lookup?url=https%3A%2F%2Finvest.example%2F1996",
                    "rollup");
    ck_assert(json_is_false(json_object_get(body, "known")));
    ck_assert_int_eq(integer_at(body, "reports"), 0);
    json_decref(body);
}
END_TEST

/* ---- the two cases of DOMAIN.md --------------------------------------------------- */

static void
post_file(const char *rel)
{
    size_t               len;
    char                *body = testutil_read_data(rel, &len);
    struct http_response resp;

    http_client_post_json("/v1/reports", body, len, &resp);
    ck_assert_msg(resp.status == 201, "POST %s answered %ld: %.300s", rel, resp.status,
                  resp.body);
    http_client_response_free(&resp);
    free(body);
}

/* The first case happened on 2020-10-30 (Shanghai); the second says not
 * when, so it counts in the hour it is stored. Each funnel is read before
 * and after storing them: the difference is what they add. */
START_TEST(test_seed_article_funnel)
{
    char   *hour = test_db_scalar("SELECT to_char(date_trunc('hour', now() AT TIME ZONE 'UTC'),"
                                  " 'YYYY-MM-DD\"T\"HH24:00:00Z')", 0, NULL);
    char   *later = test_db_scalar("SELECT to_char(date_trunc('hour', now() AT TIME ZONE 'UTC')"
                                   " + interval '2 hours', 'YYYY-MM-DD\"T\"HH24:00:00Z')",
                                   0, NULL);
    char   *now_path;
    json_t *first_before, *first_after, *second_before, *second_after;
    static const char first_path[] = "/v1/trends/funnel?from=2020-10-30T00:00:00%2B08:00"
                                     "&to=2020-10-31T00:00:00%2B08:00";
    static const char *const stages[] = {"contact", "pretext", "channel_switch", "remote_access",
                                         "credential_capture", "first_payment",
                                         "repeat_payment"};

    ck_assert(asprintf(&now_path, "/v1/trends/funnel?from=%s&to=%s", hour, later) > 0);
    settle();
    first_before = get_json("analyst", first_path, "rollup");
    second_before = get_json("analyst", now_path, "rollup");
    post_file("reports/valid/domain_case_1.json");
    post_file("reports/valid/domain_case_2.json");
    settle();
    first_after = get_json("analyst", first_path, "rollup");
    second_after = get_json("analyst", now_path, "rollup");
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
        json_int_t first = integer_at(funnel_stage(first_after, stages[i]), "reached")
                         - integer_at(funnel_stage(first_before, stages[i]), "reached");
        json_int_t second = integer_at(funnel_stage(second_after, stages[i]), "reached")
                          - integer_at(funnel_stage(second_before, stages[i]), "reached");

        /* One report reached repeat_payment (and so every stage before
         * it); one stopped at contact. */
        ck_assert_msg(first == 1, "case 1 adds %lld at %s", (long long)first, stages[i]);
        ck_assert_msg(second == (i == 0 ? 1 : 0), "case 2 adds %lld at %s", (long long)second,
                      stages[i]);
    }
    json_decref(first_before);
    json_decref(first_after);
    json_decref(second_before);
    json_decref(second_after);
    free(now_path);
    free(hour);
    free(later);
}
END_TEST

/* The second case's number, looked up in every form of
 * tests/data/trends/lookup_phone_forms.tsv, is the same known number with
 * as many reports as name it. */
START_TEST(test_lookup_every_form)
{
    char *forms = testutil_read_data("trends/lookup_phone_forms.tsv", NULL);
    char *rest = forms, *line;
    char *naming;
    int   cases = 0;

    post_file("reports/valid/domain_case_2.json");
    settle();
    naming = test_db_scalar("SELECT count(DISTINCT report_id) FROM report_phones"
                            " WHERE e164 = '+12025550147'", 0, NULL);
    while ((line = strsep(&rest, "\n")) != NULL) {
        char   *form, *path;
        json_t *body;

        if (line[0] == '\0' || line[0] == '#')
            continue;
        form = strsep(&line, "\t");
        ck_assert(asprintf(&path, "/v1/indicators/lookup?phone=%s", form) > 0);
        /* The client sends the path as it is: spaces must travel encoded. */
        for (char *p = path; *p != '\0'; p++)
            if (*p == ' ')
                *p = '+';
        body = get_json("analyst", path, "rollup");
        ck_assert_msg(strcmp(json_string_value(json_object_get(body, "value")), line) == 0,
                      "%s looked up %s", form, json_string_value(json_object_get(body, "value")));
        ck_assert(json_is_true(json_object_get(body, "known")));
        ck_assert_int_eq(integer_at(body, "reports"), atoll(naming));
        ck_assert_str_eq(json_string_value(json_object_get(body, "kind")), "phone");
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "stages"), 0)),
                         "contact");
        json_decref(body);
        free(path);
        cases++;
    }
    ck_assert_int_ge(cases, 8);
    free(naming);
    free(forms);
}
END_TEST

Suite *
http_trends_suite(void)
{
    Suite *suite = suite_create("http_trends");
    TCase *series = tcase_create("series");
    TCase *errors = tcase_create("errors");
    TCase *privacy = tcase_create("suppression");
    TCase *seed = tcase_create("seed_article");

    tcase_add_unchecked_fixture(series, http_client_setup, http_client_teardown);
    tcase_add_unchecked_fixture(errors, http_client_setup, http_client_teardown);
    tcase_add_unchecked_fixture(privacy, http_client_setup, http_client_teardown);
    tcase_add_unchecked_fixture(seed, http_client_setup, http_client_teardown);
    tcase_set_timeout(series, 60);
    tcase_set_timeout(errors, 60);
    tcase_set_timeout(privacy, 60);
    tcase_set_timeout(seed, 60);
    tcase_add_test(series, test_series_weeks);
    tcase_add_test(series, test_series_cut_and_zones);
    tcase_add_test(series, test_rollup_and_base_agree);
    tcase_add_test(series, test_top_losses_by_currency);
    tcase_add_test(series, test_csv_every_route);
    tcase_add_test(series, test_csv_quoting);
    suite_add_tcase(suite, series);
    tcase_add_test(errors, test_bad_parameters);
    tcase_add_test(errors, test_too_many_cells);
    tcase_add_test(errors, test_statement_timeout);
    suite_add_tcase(suite, errors);
    tcase_add_test(privacy, test_series_suppressed_for_public);
    tcase_add_test(privacy, test_top_funnel_summary_suppressed_for_public);
    tcase_add_test(privacy, test_lookup_suppressed_for_public);
    tcase_add_test(privacy, test_lookup_account_and_url);
    suite_add_tcase(suite, privacy);
    tcase_add_test(seed, test_seed_article_funnel);
    tcase_add_test(seed, test_lookup_every_form);
    suite_add_tcase(suite, seed);
    return suite;
}
