/*
 * The trend rollups (migrations/0011_trend_rollups.sql) against the real
 * database: after reports arrive through every write path (POST, :batch,
 * :import) the rollup rows equal a plain GROUP BY over the base tables,
 * number for number; a PATCH of stage and loss moves the report out of its
 * old buckets and into its new ones exactly once; and `fraud-intake
 * demo-data` fills a fresh database whose rollups match its base tables.
 *
 * Rollups are global and other suites store reports too, so the HTTP test
 * works in March 1995, a window no other suite uses, and compares only
 * that window.
 */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../http/http_client.h"
#include "../http/test_db.h"
#include "../suites.h"
#include "../testutil.h"

#define WINDOW_FROM  "1995-03-01T00:00:00Z"
#define WINDOW_TO    "1995-03-03T00:00:00Z"
#define DEMO_DB      "fraud_rollups_demo"
#define DEMO_REPORTS 2000

/* The hourly rollup as a plain GROUP BY over reports, by the bucket rules
 * of the migration, and the rollup rows themselves (rows left at zero by
 * an update are not data). $1/$2 bound the bucket time. */
#define HOURLY_EXPECTED                                                                       \
    "SELECT date_trunc('hour', COALESCE(occurred_at, reported_at), 'UTC') AS hour_utc,"      \
    "  scam_type, stage, COALESCE(channel, '') AS channel, source,"                           \
    "  COALESCE(substr(region, 1, 4) || '00', '000000') AS prefecture,"                      \
    "  COALESCE(loss_currency, '') AS currency, count(*) AS reports,"                         \
    "  COALESCE(sum(loss_minor), 0) AS loss_minor_sum,"                                       \
    "  count(*) FILTER (WHERE loss_minor > 0) AS victims_with_loss"                           \
    " FROM reports WHERE COALESCE(occurred_at, reported_at) >= $1::timestamptz"               \
    "   AND COALESCE(occurred_at, reported_at) < $2::timestamptz"                              \
    " GROUP BY 1, 2, 3, 4, 5, 6, 7"
#define HOURLY_ACTUAL                                                                         \
    "SELECT hour_utc, scam_type, stage, channel, source, prefecture::text, currency,"        \
    "  reports, loss_minor_sum, victims_with_loss FROM rollup_hourly"                         \
    " WHERE hour_utc >= date_trunc('hour', $1::timestamptz, 'UTC')"                          \
    "   AND hour_utc < $2::timestamptz"                                                        \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"

/* Indicators: each report counted once per value it names. */
#define INDICATOR_EXPECTED                                                                    \
    "SELECT (COALESCE(r.occurred_at, r.reported_at) AT TIME ZONE 'UTC')::date AS day_utc,"   \
    "  i.kind, i.value, COALESCE(r.loss_currency, '') AS currency, count(*) AS reports,"     \
    "  COALESCE(sum(r.loss_minor), 0) AS loss_minor_sum,"                                     \
    "  min(COALESCE(r.occurred_at, r.reported_at)) AS first_seen,"                            \
    "  max(COALESCE(r.occurred_at, r.reported_at)) AS last_seen"                              \
    " FROM (SELECT report_id, 'phone' AS kind, e164 AS value FROM report_phones"             \
    "       WHERE e164 IS NOT NULL"                                                           \
    "       UNION SELECT report_id, 'app', name FROM report_apps"                            \
    "       UNION SELECT report_id, 'account', value FROM report_accounts"                   \
    "       UNION SELECT report_id, 'url', url FROM report_urls) i"                          \
    " JOIN reports r ON r.id = i.report_id"                                                   \
    " WHERE COALESCE(r.occurred_at, r.reported_at) >= $1::timestamptz"                        \
    "   AND COALESCE(r.occurred_at, r.reported_at) < $2::timestamptz"                         \
    " GROUP BY 1, 2, 3, 4"
#define INDICATOR_ACTUAL                                                                      \
    "SELECT day_utc, kind, value, currency, reports, loss_minor_sum, first_seen, last_seen"  \
    " FROM rollup_indicator_daily"                                                            \
    " WHERE day_utc >= ($1::timestamptz AT TIME ZONE 'UTC')::date"                           \
    "   AND day_utc < ($2::timestamptz AT TIME ZONE 'UTC')::date"                            \
    "   AND (reports, loss_minor_sum) <> (0, 0)"

/* Rows in one and not the other, both ways, and how many rows expected. */
#define DIFFERENCE(expected, actual)                                                          \
    "WITH e AS (" expected "), a AS (" actual ")"                                             \
    " SELECT (SELECT count(*) FROM ((TABLE e EXCEPT ALL TABLE a)"                             \
    "         UNION ALL (TABLE a EXCEPT ALL TABLE e)) d),"                                    \
    "        (SELECT count(*) FROM e)"

/* One rollup row as the tests look it up. */
#define HOURLY_KEY                                                                            \
    "SELECT COALESCE(sum(reports), 0), COALESCE(sum(loss_minor_sum), 0),"                     \
    "  COALESCE(sum(victims_with_loss), 0) FROM rollup_hourly"                                \
    " WHERE hour_utc = $1::timestamptz AND scam_type = $2 AND stage = $3 AND channel = $4"    \
    "   AND source = $5 AND prefecture = $6 AND currency = $7"
#define INDICATOR_KEY                                                                         \
    "SELECT COALESCE(sum(reports), 0), COALESCE(sum(loss_minor_sum), 0) FROM"                 \
    " rollup_indicator_daily WHERE day_utc = $1::date AND kind = $2 AND value = $3"           \
    "   AND currency = $4"

static PGconn *
connect_or_fail(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);

    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(pg));
    return pg;
}

static PGresult *
query_or_fail(PGconn *pg, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK
                      || PQresultStatus(res) == PGRES_COMMAND_OK,
                  "%.200s: %s", sql, PQerrorMessage(pg));
    return res;
}

/* Fails unless the rollup query equals the base-table query in the window,
 * and the base-table query has at least `min_rows` rows (so an empty
 * window cannot pass). */
static void
assert_matches(PGconn *pg, const char *what, const char *difference_sql, const char *from,
               const char *to, long min_rows)
{
    const char *params[2] = {from, to};
    PGresult   *res = query_or_fail(pg, difference_sql, 2, params);
    long        differing = atol(PQgetvalue(res, 0, 0));
    long        rows = atol(PQgetvalue(res, 0, 1));

    ck_assert_msg(differing == 0, "%s: %ld rows differ between the rollup and GROUP BY", what,
                  differing);
    ck_assert_msg(rows >= min_rows, "%s: only %ld rows in the window", what, rows);
    PQclear(res);
}

static void
assert_all_match(PGconn *pg, const char *step, const char *from, const char *to,
                 long min_hourly, long min_indicator)
{
    char what[96];

    snprintf(what, sizeof(what), "hourly after %s", step);
    assert_matches(pg, what, DIFFERENCE(HOURLY_EXPECTED, HOURLY_ACTUAL), from, to,
                   min_hourly);
    snprintf(what, sizeof(what), "indicators after %s", step);
    assert_matches(pg, what, DIFFERENCE(INDICATOR_EXPECTED, INDICATOR_ACTUAL), from, to,
                   min_indicator);
}

/* Lines [first, last) of tests/data/rollups/reports.ndjson joined by
 * `separator`. Returns a new string. */
static char *
report_lines(size_t first, size_t last, const char *separator)
{
    char  *all = testutil_read_data("rollups/reports.ndjson", NULL);
    char  *out = calloc(1, strlen(all) + 1 + (last - first) * strlen(separator));
    char  *line = all, *end;
    size_t n = 0;

    ck_assert(out != NULL);
    for (; line != NULL && *line != '\0' && n < last; line = end != NULL ? end + 1 : NULL, n++) {
        end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        if (n < first)
            continue;
        if (n > first)
            strcat(out, separator);
        strcat(out, line);
    }
    ck_assert_msg(n == last, "reports.ndjson has fewer than %zu lines", last);
    free(all);
    return out;
}

static char *
post_one(size_t line)
{
    char                *body = report_lines(line, line + 1, "");
    struct http_response resp;
    json_t              *report;
    char                *id;

    http_client_post_json("/v1/reports", body, strlen(body), &resp);
    ck_assert_msg(resp.status == 201, "POST line %zu: %ld %.300s", line + 1, resp.status,
                  resp.body);
    report = http_client_json(&resp);
    id = strdup(json_string_value(json_object_get(report, "id")));
    json_decref(report);
    http_client_response_free(&resp);
    free(body);
    return id;
}

static void
post_batch(size_t first, size_t last)
{
    char                *items = report_lines(first, last, ",");
    char                *body;
    struct http_response resp;
    json_t              *answer, *result;
    size_t               i;

    ck_assert(asprintf(&body, "[%s]", items) > 0);
    http_client_post_json("/v1/reports:batch", body, strlen(body), &resp);
    ck_assert_msg(resp.status == 207, "batch: %ld %.300s", resp.status, resp.body);
    answer = http_client_json(&resp);
    json_array_foreach(json_object_get(answer, "results"), i, result)
        ck_assert_msg(json_integer_value(json_object_get(result, "status")) == 201,
                      "batch item %zu not stored", i);
    ck_assert_int_eq(json_array_size(json_object_get(answer, "results")), last - first);
    json_decref(answer);
    http_client_response_free(&resp);
    free(body);
    free(items);
}

static void
post_import(size_t first, size_t last)
{
    char                *body = report_lines(first, last, "\n");
    struct http_request  req = {.method = "POST", .path = "/v1/reports:import",
                                .content_type = "application/x-ndjson", .body = body,
                                .body_len = strlen(body)};
    struct http_response resp;
    json_t              *answer;

    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    ck_assert_msg(resp.status == 200, "import: %ld %.300s", resp.status, resp.body);
    answer = http_client_json(&resp);
    ck_assert_int_eq(json_integer_value(json_object_get(answer, "stored")),
                     (json_int_t)(last - first));
    json_decref(answer);
    http_client_response_free(&resp);
    free(body);
}

/* The counters of one rollup key; values[0..n) as text, parsed. */
static void
key_values(PGconn *pg, const char *sql, int nparams, const char *const *params,
           long long *out, int n)
{
    PGresult *res = query_or_fail(pg, sql, nparams, params);

    for (int i = 0; i < n; i++)
        out[i] = atoll(PQgetvalue(res, 0, i));
    PQclear(res);
}

static void
patch_report(const char *id, const char *etag, const char *body)
{
    char                *path, *if_match;
    const char          *headers[2];
    struct http_request  req = {.method = "PATCH",
                                .content_type = "application/merge-patch+json",
                                .body = body, .body_len = strlen(body)};
    struct http_response resp;

    ck_assert(asprintf(&path, "/v1/reports/%s", id) > 0);
    ck_assert(asprintf(&if_match, "If-Match: %s", etag) > 0);
    headers[0] = if_match;
    headers[1] = NULL;
    req.path = path;
    req.headers = headers;
    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    ck_assert_msg(resp.status == 200, "PATCH: %ld %.300s", resp.status, resp.body);
    http_client_response_free(&resp);
    free(if_match);
    free(path);
}

/* The keys the PATCH of line 1 moves between: same hour, stage contact ->
 * first_payment, no loss -> 5000 CNY; and its phone's day row by currency. */
static const char *const old_key[7] = {"1995-03-01T00:00:00Z", "task_rebate", "contact",
                                       "phone_call", "victim", "440100", ""};
static const char *const new_key[7] = {"1995-03-01T00:00:00Z", "task_rebate", "first_payment",
                                       "phone_call", "victim", "440100", "CNY"};
static const char *const phone_no_loss[4] = {"1995-03-01", "phone", "+8613800139501", ""};
static const char *const phone_cny[4] = {"1995-03-01", "phone", "+8613800139501", "CNY"};

START_TEST(test_every_write_path_matches_group_by)
{
    PGconn   *pg = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    char     *first = post_one(0);
    long long old_before[3], new_before[3], old_after[3], new_after[3];
    long long none_before[2], cny_before[2], none_after[2], cny_after[2];

    free(post_one(1));
    free(post_one(2));
    post_batch(3, 6);
    post_import(6, 9);
    assert_all_match(pg, "intake", WINDOW_FROM, WINDOW_TO, 8, 10);

    key_values(pg, HOURLY_KEY, 7, old_key, old_before, 3);
    key_values(pg, HOURLY_KEY, 7, new_key, new_before, 3);
    key_values(pg, INDICATOR_KEY, 4, phone_no_loss, none_before, 2);
    key_values(pg, INDICATOR_KEY, 4, phone_cny, cny_before, 2);
    ck_assert_msg(old_before[0] >= 1 && new_before[0] >= 1, "fixture keys are not filled");
    patch_report(first, "\"1\"",
                 "{\"stage\": \"first_payment\","
                 " \"loss\": {\"amount\": 5000, \"currency\": \"CNY\"}}");
    key_values(pg, HOURLY_KEY, 7, old_key, old_after, 3);
    key_values(pg, HOURLY_KEY, 7, new_key, new_after, 3);
    key_values(pg, INDICATOR_KEY, 4, phone_no_loss, none_after, 2);
    key_values(pg, INDICATOR_KEY, 4, phone_cny, cny_after, 2);
    ck_assert_int_eq(old_after[0], old_before[0] - 1);
    ck_assert_int_eq(old_after[1], old_before[1]);
    ck_assert_int_eq(old_after[2], old_before[2]);
    ck_assert_int_eq(new_after[0], new_before[0] + 1);
    ck_assert_int_eq(new_after[1], new_before[1] + 5000);
    ck_assert_int_eq(new_after[2], new_before[2] + 1);
    /* The report names the number twice; it moves as one report. */
    ck_assert_int_eq(none_after[0], none_before[0] - 1);
    ck_assert_int_eq(cny_after[0], cny_before[0] + 1);
    ck_assert_int_eq(cny_after[1], cny_before[1] + 5000);
    assert_all_match(pg, "PATCH", WINDOW_FROM, WINDOW_TO, 8, 10);

    /* A later PATCH adds an indicator the report already names and a new
     * one, and moves the report by a day: each counted once, in the new day. */
    patch_report(first, "\"2\"",
                 "{\"occurred_at\": \"1995-03-02T03:00:00Z\","
                 " \"add_phones\": [\"+86 138 0013 9501\", \"+86 137 0013 9503\"]}");
    assert_all_match(pg, "moving PATCH", WINDOW_FROM, WINDOW_TO, 8, 10);
    free(first);
    PQfinish(pg);
}
END_TEST

static char *
conninfo_for(const char *name)
{
    PGconn *pg = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    char   *conninfo;

    ck_assert(asprintf(&conninfo, "postgresql://%s@%s:%s/%s", PQuser(pg), PQhost(pg),
                       PQport(pg), name) > 0);
    PQfinish(pg);
    return conninfo;
}

/* Keeps "does not exist, skipping" out of the test output. */
static void
ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void
recreate_demo_db(void)
{
    PGconn   *pg = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    PGresult *res;

    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    res = query_or_fail(pg, "DROP DATABASE IF EXISTS " DEMO_DB, 0, NULL);

    PQclear(res);
    res = query_or_fail(pg, "CREATE DATABASE " DEMO_DB, 0, NULL);
    PQclear(res);
    PQfinish(pg);
}

static long long
scalar(PGconn *pg, const char *sql)
{
    PGresult *res = query_or_fail(pg, sql, 0, NULL);
    long long value = atoll(PQgetvalue(res, 0, 0));

    PQclear(res);
    return value;
}

START_TEST(test_demo_data_rollups_match)
{
    char     *conninfo = conninfo_for(DEMO_DB);
    char     *cmd;
    PGconn   *pg;
    PGresult *res;

    recreate_demo_db();
    ck_assert(asprintf(&cmd, "DATABASE_URL='%s' '%s' demo-data --reports %d --days 60 --seed 7",
                       conninfo, testutil_env("FRAUD_TEST_BIN"), DEMO_REPORTS) > 0);
    ck_assert_int_eq(system(cmd), 0);
    pg = connect_or_fail(conninfo);
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM reports"), DEMO_REPORTS);
    /* Losses only from the first payment on; the funnel narrows. */
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM reports r JOIN stages s ON s.code = r.stage"
                                " WHERE s.position < 6 AND loss_minor <> 0"), 0);
    ck_assert(scalar(pg, "SELECT count(*) FROM reports WHERE stage = 'contact'")
              > scalar(pg, "SELECT count(*) FROM reports WHERE stage = 'repeat_payment'"));
    ck_assert(scalar(pg, "SELECT count(DISTINCT e164) FROM report_phones")
              < scalar(pg, "SELECT count(*) FROM report_phones"));
    /* A report without occurred_at is bucketed when it was reported. */
    res = query_or_fail(pg,
                        "WITH r AS (INSERT INTO reports (source, scam_type, stage, reported_at)"
                        " VALUES ('public', 'other', 'contact', '1990-01-01T05:30:00Z')"
                        " RETURNING id)"
                        " INSERT INTO report_apps (report_id, position, name) SELECT id, 1, 'X'"
                        " FROM r", 0, NULL);
    PQclear(res);
    assert_all_match(pg, "demo-data", "-infinity", "infinity", 100, 100);
    ck_assert_int_eq(scalar(pg, "SELECT sum(reports) FROM rollup_hourly"), DEMO_REPORTS + 1);
    PQfinish(pg);
    recreate_demo_db();
    free(cmd);
    free(conninfo);
}
END_TEST

Suite *
rollups_suite(void)
{
    Suite *suite = suite_create("rollups");
    TCase *paths = tcase_create("write_paths");
    TCase *demo = tcase_create("demo_data");

    tcase_add_unchecked_fixture(paths, http_client_setup, http_client_teardown);
    tcase_set_timeout(paths, 60);
    tcase_add_test(paths, test_every_write_path_matches_group_by);
    suite_add_tcase(suite, paths);
    tcase_set_timeout(demo, 60);
    tcase_add_test(demo, test_demo_data_rollups_match);
    suite_add_tcase(suite, demo);
    return suite;
}
