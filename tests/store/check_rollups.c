/*
 * The trend rollups (migrations/0013_trend_rollups.sql) against the real
 * database. After reports arrive through every write path (POST, :batch,
 * :import, PATCH, `fraud-intake demo-data`) and the queue is applied, each
 * rollup table equals a plain GROUP BY over the base tables, row for row
 * (tests/data/rollups/<table>.sql); a PATCH moves a report out of its old
 * buckets and into its new ones exactly once; an apply that never commits
 * changes nothing; two applies at once apply each queued row once; the
 * janitor rebuilds an index the applies bloated and drops what an
 * interrupted rebuild left.
 *
 * Rollups are global and other suites store reports too, so the HTTP test
 * works in March 1995 (Asia/Shanghai days), a window no other suite uses,
 * and compares only that window. The other tests use databases of their
 * own, where no service applies the queue behind their back.
 */
#include <check.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../http/http_client.h"
#include "../suites.h"
#include "../testutil.h"
#include "janitor.h"
#include "store/statements.h"
#include "trend_worker.h"

#define WINDOW_FROM  "1995-03-01T00:00:00+08:00"
#define WINDOW_TO    "1995-03-04T00:00:00+08:00"
#define DEMO_DB      "fraud_rollups_demo"
#define DEMO_REPORTS 2000
#define APPLY_DB     "fraud_rollups_apply"
#define BACKFILL_DB  "fraud_rollups_backfill"
#define REINDEX_DB   "fraud_rollups_reindex"
/* The migrations before trend_indicator_profile, copied to a directory of
 * their own ($D) so that a database can stop short of 0015. */
#define MIGRATIONS_BEFORE_PROFILE                                                             \
    "for f in migrations/*.sql; do case ${f##*/} in 000[1-9]_*|001[0-4]_*)"                   \
    " cp \"$f\" \"$D\" || exit 1;; esac; done"

/* The rollup rows as stored; rows an update left at zero are not data. */
#define DAILY_ACTUAL                                                                          \
    "SELECT dim, scope, day, value, currency, reports, loss_minor_sum, victims_with_loss"    \
    " FROM trend_daily"                                                                       \
    " WHERE day >= ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date"                      \
    "   AND day < ($2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date"                       \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"
#define HOURLY_ACTUAL                                                                         \
    "SELECT dim, scope, hour, value, currency, reports, loss_minor_sum, victims_with_loss"   \
    " FROM trend_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz"            \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"
#define INDICATOR_ACTUAL                                                                      \
    "SELECT kind, day, value, currency, reports, loss_minor_sum, victims_with_loss"          \
    " FROM trend_indicator_daily"                                                             \
    " WHERE day >= ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date"                      \
    "   AND day < ($2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date"                       \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"

/* The monthly tiers (migrations/0016): the months the window's days fall
 * in, compared with the window's GROUP BY summed per month, so the window
 * must hold whole months of data (March 1995 holds only this suite's). */
#define MONTHLY_ACTUAL                                                                        \
    "SELECT dim, scope, month, value, currency, reports, loss_minor_sum, victims_with_loss"  \
    " FROM trend_monthly WHERE " IN_WINDOW_MONTHS                                             \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"
#define INDICATOR_MONTHLY_ACTUAL                                                              \
    "SELECT kind, month, value, currency, reports, loss_minor_sum, victims_with_loss"        \
    " FROM trend_indicator_monthly WHERE " IN_WINDOW_MONTHS                                   \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"
/* The yearly tier of the indicator rollups (migrations/0024), likewise
 * against the GROUP BY summed per year (1995 holds only this suite's). */
#define INDICATOR_YEARLY_ACTUAL                                                               \
    "SELECT kind, year, value, currency, reports, loss_minor_sum, victims_with_loss"         \
    " FROM trend_indicator_yearly"                                                            \
    " WHERE year >= date_trunc('year', ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date)" \
    "   AND year < ($2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date"                      \
    "   AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0)"
#define IN_WINDOW_MONTHS                                                                      \
    "month >= date_trunc('month', ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date)"      \
    " AND month < ($2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date"
/* A daily GROUP BY (%3$s: its key columns `keys` %1$s, then day, value,
 * currency and the counters) summed per month or year (%2$s). */
#define PER_PERIOD_SQL                                                                        \
    "SELECT %1$s, date_trunc('%2$s', d.day::timestamp)::date AS period, d.value, d.currency," \
    " sum(d.reports), sum(d.loss_minor_sum), sum(d.victims_with_loss)"                        \
    " FROM (%3$s) d GROUP BY %1$s, period, d.value, d.currency"

/* The profile has no day: its rows of the values that the window's
 * reports name (see rollups/indicator_profile.sql). */
#define PROFILE_ACTUAL                                                                        \
    "SELECT p.kind, p.value, p.scam_type, p.stage, p.reports FROM trend_indicator_profile p"  \
    " WHERE p.reports <> 0 AND (p.kind, p.value) IN ("                                        \
    "   SELECT 'phone', x.e164 FROM report_phones x JOIN reports r ON r.id = x.report_id"     \
    "   WHERE x.e164 IS NOT NULL AND " IN_WINDOW                                               \
    "   UNION ALL SELECT 'app', x.name FROM report_apps x JOIN reports r"                     \
    "   ON r.id = x.report_id WHERE " IN_WINDOW                                                \
    "   UNION ALL SELECT 'account', x.value FROM report_accounts x JOIN reports r"            \
    "   ON r.id = x.report_id WHERE " IN_WINDOW                                                \
    "   UNION ALL SELECT 'url', x.url FROM report_urls x JOIN reports r"                      \
    "   ON r.id = x.report_id WHERE " IN_WINDOW ")"
#define IN_WINDOW                                                                             \
    "COALESCE(r.occurred_at, r.reported_at) >= $1::timestamptz"                               \
    " AND COALESCE(r.occurred_at, r.reported_at) < $2::timestamptz"

/* Rows in one and not the other, both ways, and how many rows expected. */
#define DIFFERENCE_SQL                                                                        \
    "WITH e AS (%s), a AS (%s)"                                                               \
    " SELECT (SELECT count(*) FROM ((TABLE e EXCEPT ALL TABLE a)"                             \
    "         UNION ALL (TABLE a EXCEPT ALL TABLE e)) d),"                                    \
    "        (SELECT count(*) FROM e)"

/* One rollup key's counters: reports, loss_minor_sum, victims_with_loss. */
#define DAILY_KEY                                                                             \
    "SELECT COALESCE(sum(reports), 0), COALESCE(sum(loss_minor_sum), 0),"                     \
    "  COALESCE(sum(victims_with_loss), 0) FROM trend_daily"                                  \
    " WHERE dim = $1 AND scope = $2 AND day = $3::date AND value = $4 AND currency = $5"
#define HOURLY_KEY                                                                            \
    "SELECT COALESCE(sum(reports), 0), COALESCE(sum(loss_minor_sum), 0),"                     \
    "  COALESCE(sum(victims_with_loss), 0) FROM trend_hourly"                                 \
    " WHERE dim = $1 AND scope = $2 AND hour = $3::timestamptz AND value = $4"                \
    "   AND currency = $5"
#define INDICATOR_KEY                                                                         \
    "SELECT COALESCE(sum(reports), 0), COALESCE(sum(loss_minor_sum), 0),"                     \
    "  COALESCE(sum(victims_with_loss), 0) FROM trend_indicator_daily"                        \
    " WHERE kind = $1 AND day = $2::date AND value = $3 AND currency = $4"
#define PROFILE_KEY                                                                           \
    "SELECT COALESCE(sum(reports), 0), 0, 0 FROM trend_indicator_profile"                     \
    " WHERE kind = $1 AND value = $2 AND scam_type = $3 AND stage = $4"

/* Rollup counters of one key. */
struct counters {
    long long reports, loss_minor_sum, victims_with_loss;
};

static PGconn *
connect_or_fail(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);

    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(pg));
    return pg;
}

/* Returns a new result; caller PQclears. */
static PGresult *
query_or_fail(PGconn *pg, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK
                      || PQresultStatus(res) == PGRES_COMMAND_OK,
                  "%.200s: %s", sql, PQerrorMessage(pg));
    return res;
}

static long long
scalar(PGconn *pg, const char *sql)
{
    PGresult *res = query_or_fail(pg, sql, 0, NULL);
    long long value = atoll(PQgetvalue(res, 0, 0));

    PQclear(res);
    return value;
}

/* Applies everything queued in the database at conninfo, as demo-data and
 * the service's worker do; returns how many rows this call applied. */
static long
drain(const char *conninfo)
{
    struct db *db = db_create(conninfo, 1, 5000, 0);
    long       applied;

    ck_assert(db != NULL);
    applied = trend_worker_drain(db);
    db_destroy(db);
    ck_assert_msg(applied >= 0, "trend_worker_drain failed");
    return applied;
}

/* Fails unless rollup table `table` equals its GROUP BY (data file
 * rollups/<table>.sql) in the window, and the GROUP BY has at least
 * `min_rows` rows there (so an empty window cannot pass). */
static void
assert_rows_match(PGconn *pg, const char *step, const char *table, const char *expected,
                  const char *actual, const char *from, const char *to, long min_rows)
{
    char       *sql;
    const char *params[2] = {from, to};
    PGresult   *res;
    long        differing, rows;

    ck_assert(asprintf(&sql, DIFFERENCE_SQL, expected, actual) > 0);
    res = query_or_fail(pg, sql, 2, params);
    differing = atol(PQgetvalue(res, 0, 0));
    rows = atol(PQgetvalue(res, 0, 1));
    ck_assert_msg(differing == 0, "%s after %s: %ld rows differ from the GROUP BY", table, step,
                  differing);
    ck_assert_msg(rows >= min_rows, "%s after %s: only %ld rows in the window", table, step,
                  rows);
    PQclear(res);
    free(sql);
}

/* A tier of `table` (`actual`) against `expected` summed per `period`. */
static void
assert_tier_matches(PGconn *pg, const char *step, const char *table, const char *expected,
                    const char *keys, const char *period, const char *actual, const char *from,
                    const char *to)
{
    char *per_period, *tier;

    ck_assert(asprintf(&per_period, PER_PERIOD_SQL, keys, period, expected) > 0);
    ck_assert(asprintf(&tier, "%s's %sly tier", table, period) > 0);
    assert_rows_match(pg, step, tier, per_period, actual, from, to, 1);
    free(tier);
    free(per_period);
}

/* The same against rollups/<table>.sql and, when `keys` (the key columns
 * before the day) is given, its monthly tier against that summed per
 * month, and when yearly_actual is, its yearly tier likewise. */
static void
assert_table_matches(PGconn *pg, const char *step, const char *table, const char *actual,
                     const char *keys, const char *monthly_actual, const char *yearly_actual,
                     const char *from, const char *to, long min_rows)
{
    char *file, *expected;

    ck_assert(asprintf(&file, "rollups/%s.sql", table) > 0);
    expected = testutil_read_data(file, NULL);
    assert_rows_match(pg, step, table, expected, actual, from, to, min_rows);
    if (keys != NULL)
        assert_tier_matches(pg, step, table, expected, keys, "month", monthly_actual, from, to);
    if (yearly_actual != NULL)
        assert_tier_matches(pg, step, table, expected, keys, "year", yearly_actual, from, to);
    free(expected);
    free(file);
}

static void
assert_all_match(PGconn *pg, const char *step, const char *from, const char *to, long min_rows)
{
    assert_table_matches(pg, step, "daily", DAILY_ACTUAL, "d.dim, d.scope", MONTHLY_ACTUAL,
                         NULL, from, to, min_rows);
    assert_table_matches(pg, step, "hourly", HOURLY_ACTUAL, NULL, NULL, NULL, from, to,
                         min_rows);
    assert_table_matches(pg, step, "indicator_daily", INDICATOR_ACTUAL, "d.kind",
                         INDICATOR_MONTHLY_ACTUAL, INDICATOR_YEARLY_ACTUAL, from, to, min_rows);
    assert_table_matches(pg, step, "indicator_profile", PROFILE_ACTUAL, NULL, NULL, NULL, from,
                         to, min_rows);
}

static struct counters
key_counters(PGconn *pg, const char *sql, int nparams, const char *const *params)
{
    PGresult       *res = query_or_fail(pg, sql, nparams, params);
    struct counters c = {atoll(PQgetvalue(res, 0, 0)), atoll(PQgetvalue(res, 0, 1)),
                         atoll(PQgetvalue(res, 0, 2))};

    PQclear(res);
    return c;
}

/* Fails unless a key's counters moved by exactly (reports, loss, victims). */
static void
assert_moved(const char *what, struct counters before, struct counters after, long long reports,
             long long loss, long long victims)
{
    ck_assert_msg(after.reports - before.reports == reports
                      && after.loss_minor_sum - before.loss_minor_sum == loss
                      && after.victims_with_loss - before.victims_with_loss == victims,
                  "%s moved by (%lld, %lld, %lld), not (%lld, %lld, %lld)", what,
                  after.reports - before.reports, after.loss_minor_sum - before.loss_minor_sum,
                  after.victims_with_loss - before.victims_with_loss, reports, loss, victims);
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

/* POSTs line `line`; returns the new report's id, a new string. */
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

/* PATCHes report `id` at `version` (its ETag) with a merge patch. */
static void
patch_report(const char *id, int version, const char *body)
{
    char                *path, *if_match;
    const char          *headers[2];
    struct http_request  req = {.method = "PATCH",
                                .content_type = "application/merge-patch+json",
                                .body = body, .body_len = strlen(body)};
    struct http_response resp;

    ck_assert(asprintf(&path, "/v1/reports/%s", id) > 0);
    ck_assert(asprintf(&if_match, "If-Match: \"%d\"", version) > 0);
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

/* The keys line 1 (task_rebate, contact, phone_call, victim, 440103, no
 * loss, 1995-03-01 08:10 in Shanghai, a phone named twice, RollupApp) is
 * counted in, and the ones the stage and loss PATCH moves it to. */
static const char *const day_contact[5] = {"stage", "", "1995-03-01", "contact", ""};
static const char *const day_paid[5] = {"stage", "", "1995-03-01", "first_payment", "CNY"};
static const char *const type_contact[5] = {"stage", "task_rebate", "1995-03-01", "contact", ""};
static const char *const type_paid[5] = {"stage", "task_rebate", "1995-03-01", "first_payment",
                                         "CNY"};
static const char *const day_total[5] = {"total", "", "1995-03-01", "", ""};
static const char *const day_total_cny[5] = {"total", "", "1995-03-01", "", "CNY"};
static const char *const hour_contact[5] = {"stage", "", "1995-03-01T00:00:00Z", "contact", ""};
static const char *const hour_paid[5] = {"stage", "", "1995-03-01T00:00:00Z", "first_payment",
                                         "CNY"};
static const char *const phone_none[4] = {"phone", "1995-03-01", "+8613800139501", ""};
static const char *const phone_cny[4] = {"phone", "1995-03-01", "+8613800139501", "CNY"};
static const char *const phone_contact[4] = {"phone", "+8613800139501", "task_rebate", "contact"};
static const char *const phone_paid[4] = {"phone", "+8613800139501", "task_rebate",
                                          "first_payment"};

/* Each counted key of the stage and loss PATCH, before and after. */
struct patch_keys {
    struct counters day_contact, day_paid, type_contact, type_paid, day_total, day_total_cny,
        hour_contact, hour_paid, phone_none, phone_cny, phone_contact, phone_paid;
};

static void
patch_keys_take(PGconn *pg, struct patch_keys *k)
{
    k->day_contact = key_counters(pg, DAILY_KEY, 5, day_contact);
    k->day_paid = key_counters(pg, DAILY_KEY, 5, day_paid);
    k->type_contact = key_counters(pg, DAILY_KEY, 5, type_contact);
    k->type_paid = key_counters(pg, DAILY_KEY, 5, type_paid);
    k->day_total = key_counters(pg, DAILY_KEY, 5, day_total);
    k->day_total_cny = key_counters(pg, DAILY_KEY, 5, day_total_cny);
    k->hour_contact = key_counters(pg, HOURLY_KEY, 5, hour_contact);
    k->hour_paid = key_counters(pg, HOURLY_KEY, 5, hour_paid);
    k->phone_none = key_counters(pg, INDICATOR_KEY, 4, phone_none);
    k->phone_cny = key_counters(pg, INDICATOR_KEY, 4, phone_cny);
    k->phone_contact = key_counters(pg, PROFILE_KEY, 4, phone_contact);
    k->phone_paid = key_counters(pg, PROFILE_KEY, 4, phone_paid);
}

/* Stage contact -> first_payment, no loss -> 5000 CNY: out of the old
 * keys once, into the new ones once, in every rollup and every scope; the
 * phone it names twice moves as one report. */
static void
assert_stage_and_loss_moved(const struct patch_keys *b, const struct patch_keys *a)
{
    ck_assert_msg(b->day_contact.reports >= 1 && b->hour_contact.reports >= 1
                      && b->phone_none.reports >= 1 && b->phone_contact.reports >= 1,
                  "the fixture's keys are not filled");
    assert_moved("daily stage contact", b->day_contact, a->day_contact, -1, 0, 0);
    assert_moved("daily stage first_payment", b->day_paid, a->day_paid, 1, 5000, 1);
    assert_moved("task_rebate's stage contact", b->type_contact, a->type_contact, -1, 0, 0);
    assert_moved("task_rebate's stage first_payment", b->type_paid, a->type_paid, 1, 5000, 1);
    assert_moved("daily total without loss", b->day_total, a->day_total, -1, 0, 0);
    assert_moved("daily total in CNY", b->day_total_cny, a->day_total_cny, 1, 5000, 1);
    assert_moved("hourly stage contact", b->hour_contact, a->hour_contact, -1, 0, 0);
    assert_moved("hourly stage first_payment", b->hour_paid, a->hour_paid, 1, 5000, 1);
    assert_moved("phone without loss", b->phone_none, a->phone_none, -1, 0, 0);
    assert_moved("phone in CNY", b->phone_cny, a->phone_cny, 1, 5000, 1);
    assert_moved("phone's profile at contact", b->phone_contact, a->phone_contact, -1, 0, 0);
    assert_moved("phone's profile at first_payment", b->phone_paid, a->phone_paid, 1, 0, 0);
}

START_TEST(test_every_write_path_matches_group_by)
{
    const char       *url = testutil_env("FRAUD_TEST_DATABASE_URL");
    PGconn           *pg = connect_or_fail(url);
    char             *first = post_one(0);
    struct patch_keys before, after;
    static const char *const app_usd[4] = {"app", "1995-03-02", "RollupApp", "USD"};
    static const char *const new_app_usd[4] = {"app", "1995-03-02", "RollupNewApp", "USD"};

    free(post_one(1));
    free(post_one(2));
    post_batch(3, 6);
    post_import(6, 9);
    drain(url);
    assert_all_match(pg, "intake", WINDOW_FROM, WINDOW_TO, 8);

    patch_keys_take(pg, &before);
    patch_report(first, 1, "{\"stage\": \"first_payment\","
                           " \"loss\": {\"amount\": 5000, \"currency\": \"CNY\"}}");
    drain(url);
    patch_keys_take(pg, &after);
    assert_stage_and_loss_moved(&before, &after);
    assert_all_match(pg, "the stage and loss PATCH", WINDOW_FROM, WINDOW_TO, 8);

    /* Another day and hour, and another province, prefecture and county. */
    patch_report(first, 2, "{\"occurred_at\": \"1995-03-02T03:00:00Z\", \"region\": \"310101\"}");
    drain(url);
    assert_all_match(pg, "the time and region PATCH", WINDOW_FROM, WINDOW_TO, 8);

    /* Another currency, and an app the report names already (counted once)
     * with a new one (counted in the report's new buckets). */
    patch_report(first, 3, "{\"loss\": {\"amount\": 7000, \"currency\": \"USD\"},"
                           " \"add_apps\": [{\"name\": \"RollupApp\"},"
                           " {\"name\": \"RollupNewApp\"}]}");
    drain(url);
    assert_all_match(pg, "the currency and add_apps PATCH", WINDOW_FROM, WINDOW_TO, 8);
    ck_assert_int_eq(key_counters(pg, INDICATOR_KEY, 4, app_usd).reports, 1);
    ck_assert_int_eq(key_counters(pg, INDICATOR_KEY, 4, new_app_usd).reports, 1);
    ck_assert_int_eq(key_counters(pg, INDICATOR_KEY, 4, new_app_usd).loss_minor_sum, 7000);
    free(first);
    PQfinish(pg);
}
END_TEST

/* A connection string for database `name` on the test cluster. Returns a
 * new string. */
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

/* Drops database `name` (if there) and, when `create`, makes it anew. */
static void
recreate_db(const char *name, bool create)
{
    PGconn   *pg = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    char     *sql;
    PGresult *res;

    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    ck_assert(asprintf(&sql, "DROP DATABASE IF EXISTS %s", name) > 0);
    PQclear(query_or_fail(pg, sql, 0, NULL));
    free(sql);
    if (create) {
        ck_assert(asprintf(&sql, "CREATE DATABASE %s", name) > 0);
        res = query_or_fail(pg, sql, 0, NULL);
        PQclear(res);
        free(sql);
    }
    PQfinish(pg);
}

/* Runs `fraud-intake <args>` against the database at conninfo. */
static void
run_service_command(const char *conninfo, const char *args)
{
    char *cmd;

    ck_assert(asprintf(&cmd, "DATABASE_URL='%s' '%s' %s", conninfo,
                       testutil_env("FRAUD_TEST_BIN"), args) > 0);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    free(cmd);
}

START_TEST(test_demo_data_rollups_match)
{
    char *conninfo = conninfo_for(DEMO_DB);
    PGconn *pg;

    recreate_db(DEMO_DB, true);
    run_service_command(conninfo, "demo-data --reports 2000 --days 60 --seed 7");
    pg = connect_or_fail(conninfo);
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM reports"), DEMO_REPORTS);
    /* demo-data leaves nothing for a worker to do. */
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM trend_pending"), 0);
    /* Losses only from the first payment on; the funnel narrows. */
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM reports r JOIN stages s ON s.code = r.stage"
                                " WHERE s.position < 6 AND loss_minor <> 0"), 0);
    ck_assert(scalar(pg, "SELECT count(*) FROM reports WHERE stage = 'contact'")
              > scalar(pg, "SELECT count(*) FROM reports WHERE stage = 'repeat_payment'"));
    ck_assert(scalar(pg, "SELECT count(DISTINCT e164) FROM report_phones")
              < scalar(pg, "SELECT count(*) FROM report_phones"));
    assert_all_match(pg, "demo-data", "-infinity", "infinity", 100);
    /* A report without occurred_at is bucketed when it was reported, with
     * its app, in one statement. */
    PQclear(query_or_fail(pg,
                          "WITH r AS (INSERT INTO reports (source, scam_type, stage, reported_at)"
                          " VALUES ('public', 'other', 'contact', '1990-01-01T05:30:00Z')"
                          " RETURNING id)"
                          " INSERT INTO report_apps (report_id, position, name)"
                          " SELECT id, 1, 'X' FROM r", 0, NULL));
    ck_assert_int_eq(drain(conninfo), 2);
    assert_all_match(pg, "a report without occurred_at", "-infinity", "infinity", 100);
    ck_assert_int_eq(scalar(pg, "SELECT sum(reports) FROM trend_daily"
                                " WHERE dim = 'total' AND scope = ''"), DEMO_REPORTS + 1);
    PQfinish(pg);
    recreate_db(DEMO_DB, false);
    free(conninfo);
}
END_TEST

/* 3000 reports over two days, most naming a phone (some the same number
 * twice) and half an app, queued by the triggers and not applied yet. */
#define APPLY_REPORTS 3000
#define STRINGIFY(x)  #x
#define TEXT_OF(x)    STRINGIFY(x)
#define APPLY_FILL_SQL                                                                        \
    "WITH r AS ("                                                                             \
    "  INSERT INTO reports (source, scam_type, stage, channel, region, occurred_at,"         \
    "    loss_minor, loss_currency)"                                                          \
    "  SELECT CASE WHEN i % 4 = 0 THEN 'public' ELSE 'victim' END,"                           \
    "    (ARRAY['task_rebate', 'fake_loan', 'romance'])[1 + i % 3],"                          \
    "    (ARRAY['contact', 'pretext', 'first_payment'])[1 + i / 3 % 3],"                     \
    "    CASE WHEN i % 5 <> 0 THEN 'sms' END,"                                                \
    "    CASE WHEN i % 7 <> 0 THEN (ARRAY['440103', '310101', '110105'])[1 + i % 3] END,"     \
    "    timestamptz '1995-06-01T00:00:00Z' + i * interval '57 seconds',"                     \
    "    CASE WHEN i % 3 = 2 THEN i * 100 END, CASE WHEN i % 3 = 2 THEN 'CNY' END"           \
    "  FROM generate_series(1, " TEXT_OF(APPLY_REPORTS) ") i RETURNING id),"                  \
    " n AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM r),"                         \
    " p AS ("                                                                                 \
    "  INSERT INTO report_phones (report_id, position, raw, e164, leading_plus,"             \
    "    international, valid)"                                                               \
    "  SELECT id, k, '+86138' || (10000000 + i % 97), '+86138' || (10000000 + i % 97),"      \
    "    true, true, true FROM n, generate_series(1, 1 + (i % 5 = 0)::int) k"                \
    "  WHERE i % 6 <> 0)"                                                                     \
    " INSERT INTO report_apps (report_id, position, name)"                                    \
    " SELECT id, 1, 'App ' || i % 13 FROM n WHERE i % 2 = 0"

/* Waits up to 10 s until the backend `pid` waits for a lock. */
static bool
waits_for_lock(PGconn *pg, int pid)
{
    char        pid_text[16];
    const char *params[1] = {pid_text};

    snprintf(pid_text, sizeof(pid_text), "%d", pid);
    for (int tries = 0; tries < 1000; tries++) {
        PGresult *res = query_or_fail(pg,
                                      "SELECT count(*) FROM pg_stat_activity"
                                      " WHERE pid = $1::int AND wait_event_type = 'Lock'",
                                      1, params);
        bool      waiting = atoi(PQgetvalue(res, 0, 0)) == 1;
        struct timespec wait = {0, 10 * 1000000L};

        PQclear(res);
        if (waiting)
            return true;
        nanosleep(&wait, NULL);
    }
    return false;
}

/* Waits up to 10 s until backend `pid` has gone (and so its transaction
 * has been rolled back and its row locks released). */
static bool
gone(PGconn *pg, int pid)
{
    char        pid_text[16];
    const char *params[1] = {pid_text};

    snprintf(pid_text, sizeof(pid_text), "%d", pid);
    for (int tries = 0; tries < 1000; tries++) {
        PGresult       *res = query_or_fail(pg, "SELECT count(*) FROM pg_stat_activity"
                                                " WHERE pid = $1::int", 1, params);
        bool            there = atoi(PQgetvalue(res, 0, 0)) != 0;
        struct timespec wait = {0, 10 * 1000000L};

        PQclear(res);
        if (!there)
            return true;
        nanosleep(&wait, NULL);
    }
    return false;
}

/* Fails unless nothing was applied: every queued row is still there and
 * the rollups are empty. */
static void
assert_nothing_applied(PGconn *pg, long long queued, const char *what)
{
    ck_assert_msg(scalar(pg, "SELECT count(*) FROM trend_pending") == queued,
                  "%s: queued rows went", what);
    ck_assert_msg(scalar(pg, "SELECT (SELECT count(*) FROM trend_daily)"
                             " + (SELECT count(*) FROM trend_monthly)"
                             " + (SELECT count(*) FROM trend_hourly)"
                             " + (SELECT count(*) FROM trend_indicator_daily)"
                             " + (SELECT count(*) FROM trend_indicator_monthly)"
                             " + (SELECT count(*) FROM trend_indicator_profile)") == 0,
                  "%s: the rollups changed", what);
}

START_TEST(test_apply_is_all_or_nothing_and_once)
{
    char      *conninfo = conninfo_for(APPLY_DB);
    PGconn    *pg, *crashing, *first, *second;
    PGresult  *res;
    long long  queued, by_first, by_second;
    int        crashed_pid;

    recreate_db(APPLY_DB, true);
    run_service_command(conninfo, "migrate");
    pg = connect_or_fail(conninfo);
    PQclear(query_or_fail(pg, APPLY_FILL_SQL, 0, NULL));
    queued = scalar(pg, "SELECT count(*) FROM trend_pending");
    ck_assert_msg(queued > APPLY_REPORTS, "only %lld rows queued", queued);

    /* Rolled back, and the client gone between applying and committing. */
    crashing = connect_or_fail(conninfo);
    PQclear(query_or_fail(crashing, "BEGIN", 0, NULL));
    ck_assert_int_eq(scalar(crashing, "SELECT trend_apply(1000)"), 1000);
    PQclear(query_or_fail(crashing, "ROLLBACK", 0, NULL));
    assert_nothing_applied(pg, queued, "a rolled back apply");
    PQclear(query_or_fail(crashing, "BEGIN", 0, NULL));
    ck_assert_int_eq(scalar(crashing, "SELECT trend_apply(1000)"), 1000);
    crashed_pid = PQbackendPID(crashing);
    PQfinish(crashing);
    ck_assert_msg(gone(pg, crashed_pid), "the abandoned apply's backend stays");
    assert_nothing_applied(pg, queued, "an apply whose client died");

    /* The second call skips what the first holds, applies the rest, and
     * waits for the first's rollup rows before it can add to them. */
    first = connect_or_fail(conninfo);
    second = connect_or_fail(conninfo);
    PQclear(query_or_fail(first, "BEGIN", 0, NULL));
    by_first = scalar(first, "SELECT trend_apply(2000)");
    ck_assert_int_eq(by_first, 2000);
    ck_assert(PQsendQuery(second, "SELECT trend_apply(1000000)") == 1);
    ck_assert_msg(waits_for_lock(pg, PQbackendPID(second)),
                  "the second apply never waited for the first");
    PQclear(query_or_fail(first, "COMMIT", 0, NULL));
    res = PQgetResult(second);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "second apply: %s",
                  PQerrorMessage(second));
    by_second = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    ck_assert(PQgetResult(second) == NULL);
    ck_assert_int_eq(by_first + by_second, queued);
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM trend_pending"), 0);
    assert_all_match(pg, "two applies at once", "-infinity", "infinity", 100);
    ck_assert_int_eq(scalar(pg, "SELECT sum(reports) FROM trend_hourly"
                                " WHERE dim = 'total' AND scope = ''"), APPLY_REPORTS);
    PQfinish(first);
    PQfinish(second);
    PQfinish(pg);
    recreate_db(APPLY_DB, false);
    free(conninfo);
}
END_TEST

/* Sixty changes to every daily rollup row in one transaction, as sixty
 * applies would leave them: every change adds an entry to each index. */
#define REINDEX_CHURN_SQL                                                                     \
    "DO $$ BEGIN FOR i IN 1 .. 30 LOOP"                                                       \
    "  UPDATE trend_daily SET reports = reports + 1;"                                         \
    "  UPDATE trend_daily SET reports = reports - 1;"                                         \
    " END LOOP; END $$"
#define REINDEX_PKEY_BYTES "SELECT pg_relation_size('trend_daily_pkey')"
#define REINDEX_LEFTOVERS                                                                     \
    "SELECT count(*) FROM pg_class WHERE relname = 'trend_daily_pkey_ccnew'"
#define REINDEX_LOCK "SELECT pg_advisory_lock(" TEXT_OF(ROLLUPS_LOCK_KEY) ")"
#define REINDEX_UNLOCK "SELECT pg_advisory_unlock(" TEXT_OF(ROLLUPS_LOCK_KEY) ")"

/* The janitor's upkeep of the rollup indexes: an index the applies have
 * bloated is rebuilt to a fraction of its size, its answers unchanged;
 * the invalid copy an interrupted REINDEX CONCURRENTLY leaves is dropped;
 * and while another session holds the upkeep lock, nothing is done. */
START_TEST(test_reindex_shrinks_and_cleans_up)
{
    char      *conninfo = conninfo_for(REINDEX_DB);
    PGconn    *pg, *other;
    PGresult  *res;
    struct db *db;
    long long  bloated, rebuilt;

    recreate_db(REINDEX_DB, true);
    run_service_command(conninfo, "migrate");
    pg = connect_or_fail(conninfo);
    PQclear(query_or_fail(pg, APPLY_FILL_SQL, 0, NULL));
    ck_assert(drain(conninfo) > APPLY_REPORTS);
    rebuilt = scalar(pg, REINDEX_PKEY_BYTES);
    PQclear(query_or_fail(pg, REINDEX_CHURN_SQL, 0, NULL));
    PQclear(query_or_fail(pg, "ANALYZE", 0, NULL));
    bloated = scalar(pg, REINDEX_PKEY_BYTES);
    ck_assert_msg(bloated > 8 * rebuilt, "the churn left %lld bytes of %lld", bloated, rebuilt);
    db = db_create(conninfo, 1, 5000, 0);

    /* Only indexes at least as large as the bloated one qualify. */
    other = connect_or_fail(conninfo);
    PQclear(query_or_fail(other, REINDEX_LOCK, 0, NULL));
    ck_assert_int_eq(janitor_reindex(db, 150, bloated), 0);
    ck_assert_int_eq(scalar(pg, REINDEX_PKEY_BYTES), bloated);
    PQclear(query_or_fail(other, REINDEX_UNLOCK, 0, NULL));
    ck_assert_int_eq(janitor_reindex(db, 150, bloated), 1);
    rebuilt = scalar(pg, REINDEX_PKEY_BYTES);
    ck_assert_msg(rebuilt * 8 < bloated, "rebuilt to %lld bytes of %lld", rebuilt, bloated);
    ck_assert_int_eq(janitor_reindex(db, 150, bloated), 0);
    assert_all_match(pg, "a rebuilt index", "-infinity", "infinity", 100);
    PQclear(query_or_fail(pg, "SET enable_seqscan = off", 0, NULL));
    ck_assert_int_eq(scalar(pg, "SELECT sum(reports) FROM trend_daily"
                                " WHERE dim = 'total' AND scope = ''"), APPLY_REPORTS);

    /* An index build that failed half way leaves an invalid index. */
    res = PQexec(pg, "CREATE UNIQUE INDEX CONCURRENTLY trend_daily_pkey_ccnew"
                     " ON trend_daily (dim)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    ck_assert_int_eq(scalar(pg, REINDEX_LEFTOVERS), 1);
    ck_assert_int_eq(janitor_reindex(db, 150, LLONG_MAX), 1);
    ck_assert_int_eq(scalar(pg, REINDEX_LEFTOVERS), 0);

    db_destroy(db);
    PQfinish(other);
    PQfinish(pg);
    recreate_db(REINDEX_DB, false);
    free(conninfo);
}
END_TEST

/* A database with rollups partly applied when migrations 0015, 0016 and
 * 0024 arrive: their backfills hold what was applied (the base tables less
 * what is still queued, including both halves of stage changes; the
 * monthly tiers and region rows from the daily rows, the yearly tier from
 * the monthly), and the new trend_apply adds the rest. */
START_TEST(test_profile_backfill_matches)
{
    char   *conninfo = conninfo_for(BACKFILL_DB);
    char    dir[] = "/tmp/rollups_migrations_XXXXXX";
    char   *cmd;
    PGconn *pg;

    recreate_db(BACKFILL_DB, true);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert(asprintf(&cmd, "D='%s'; " MIGRATIONS_BEFORE_PROFILE, dir) > 0);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    free(cmd);
    setenv("MIGRATIONS_DIR", dir, 1);
    run_service_command(conninfo, "migrate");
    unsetenv("MIGRATIONS_DIR");
    pg = connect_or_fail(conninfo);
    ck_assert_int_eq(scalar(pg, "SELECT count(*) FROM pg_tables"
                                " WHERE tablename = 'trend_indicator_profile'"), 0);
    PQclear(query_or_fail(pg, APPLY_FILL_SQL, 0, NULL));
    ck_assert_int_eq(scalar(pg, "SELECT trend_apply(2500)"), 2500);
    /* Stage changes of reports applied already and of reports still
     * queued: -1 and +1 rows, all queued. */
    PQclear(query_or_fail(pg, "UPDATE reports SET stage = 'repeat_payment'"
                              " WHERE id IN (SELECT report_id FROM report_phones"
                              "              ORDER BY report_id LIMIT 400)", 0, NULL));
    ck_assert_int_eq(scalar(pg, "SELECT trend_apply(700)"), 700);
    run_service_command(conninfo, "migrate");
    ck_assert_msg(scalar(pg, "SELECT count(*) FROM trend_indicator_profile") > 0,
                  "the backfill added nothing");
    ck_assert(scalar(pg, "SELECT count(*) FROM trend_pending WHERE kind <> 'report'") > 0);
    drain(conninfo);
    assert_all_match(pg, "migrations 0015, 0016 and 0024 over partly applied rollups",
                     "-infinity", "infinity", 100);
    PQfinish(pg);
    recreate_db(BACKFILL_DB, false);
    ck_assert(asprintf(&cmd, "rm -r '%s'", dir) > 0);
    ck_assert(system(cmd) == 0);
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
    TCase *apply = tcase_create("apply");

    tcase_add_unchecked_fixture(paths, http_client_setup, http_client_teardown);
    tcase_set_timeout(paths, 60);
    tcase_add_test(paths, test_every_write_path_matches_group_by);
    suite_add_tcase(suite, paths);
    tcase_set_timeout(demo, 60);
    tcase_add_test(demo, test_demo_data_rollups_match);
    suite_add_tcase(suite, demo);
    tcase_set_timeout(apply, 60);
    tcase_add_test(apply, test_apply_is_all_or_nothing_and_once);
    tcase_add_test(apply, test_profile_backfill_matches);
    tcase_add_test(apply, test_reindex_shrinks_and_cleans_up);
    suite_add_tcase(suite, apply);
    return suite;
}
