/*
 * The trend routes against plain SQL over the base tables, number for
 * number. About 100,000 reports are generated with fraud-intake's own
 * demo-data generator (service/demo.c), the rollups are applied, and then
 * random requests (fixed seed, printed; FRAUD_TEST_TREND_SEED picks
 * another) of every metric, interval, breakdown, time zone (with and
 * without daylight saving time, whole and half-hour offsets), filters and
 * range (cutting weeks and months, empty) go to the service, whichever
 * source it picks, and each answer is compared with the straightforward
 * GROUP BY below. The reference queries are written here on purpose,
 * independently of the service's statements and of the rollup functions.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "demo.h"
#include "domain/timestamp.h"
#include "store/db.h"
#include "store/statements.h"
#include "store/trends_store.h"
#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"

#define GENERATED_REPORTS 100000
#define GENERATED_DAYS    365
#define GENERATED_SEED    20261126
#define SERIES_COMBOS     500
#define OTHER_COMBOS      90
#define COMBO_SEED        1126
#define PRUNED_COMBOS     120
#define SERIES_ROWS_COMBOS 150
#define FILTERS_MAX       3
#define PARAMS_MAX        (4 + FILTERS_MAX)
#define POOL_MAX          64
#define CELLS_MAX         20000
#define DAY_S             86400

static const char *const zones[] = {
    "Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Asia/Kolkata",
    "Australia/Adelaide",
};
static const char *const metrics[] = {"reports", "loss", "victims_with_loss"};
static const char *const intervals[] = {"day", "week", "month"};
static const char *const dims[] = {
    NULL, "scam_type", "stage", "channel", "source", "province", "prefecture", "county",
    "impersonated", "app",
};
static const char *const kinds[] = {"phone", "app", "region"};

/* A report's value in each breakdown, as the API defines them. */
static const char *const dim_sql[] = {
    NULL,
    "f.scam_type",
    "f.stage",
    "COALESCE(f.channel, '')",
    "f.source",
    "CASE WHEN f.region IS NULL THEN '000000' ELSE left(f.region, 2) || '0000' END",
    "CASE WHEN f.region IS NULL THEN '000000' ELSE left(f.region, 4) || '00' END",
    "COALESCE(f.region::text, '000000')",
    "COALESCE(f.impersonated, '')",
    "a.name",
};

/* ---- the reference connection and random choices ------------------------------ */

/* Seconds spent waiting for the service and for the reference queries. */
static double service_s, reference_s;

static double
now_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static PGconn *
reference_db(void)
{
    static PGconn *pg;

    if (pg == NULL) {
        PGresult *res;

        pg = PQconnectdb(testutil_env("FRAUD_TEST_DATABASE_URL"));
        ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
        /* Compiling each reference query would cost more than running it. */
        res = PQexec(pg, "SET jit = off");
        PQclear(res);
    }
    return pg;
}

static PGresult *
reference(const char *sql, int nparams, const char *const *params)
{
    double    start = now_s();
    PGresult *res = PQexecParams(reference_db(), sql, nparams, NULL, params, NULL, NULL, 0);

    reference_s += now_s() - start;

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
                  "%s\n%.600s", PQresultErrorMessage(res), sql);
    return res;
}

static uint64_t random_state;

static uint64_t
next_random(void)
{
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return random_state;
}

static size_t
pick(size_t count)
{
    return (size_t)(next_random() % count);
}

#define PICK(a) ((a)[pick(sizeof(a) / sizeof((a)[0]))])

static void
seed_randoms(const char *what)
{
    const char *env = getenv("FRAUD_TEST_TREND_SEED");
    uint64_t    seed = env != NULL && *env != '\0' ? strtoull(env, NULL, 10) : COMBO_SEED;

    fprintf(stderr, "trend_equivalence: %s with seed %" PRIu64 " (FRAUD_TEST_TREND_SEED)\n",
            what, seed);
    random_state = seed * 2654435761u + 1;
}

/* Values filters are drawn from: codes of the lists and values that the
 * generated reports actually name. */
struct pools {
    size_t count[8];
    char   values[8][POOL_MAX][72];
};

enum pool { POOL_SCAM, POOL_STAGE, POOL_CHANNEL, POOL_SOURCE, POOL_REGION, POOL_APP, POOL_PHONE };

static void
pool_load(struct pools *pools, enum pool which, const char *sql)
{
    PGresult *res = reference(sql, 0, NULL);

    pools->count[which] = 0;
    for (int i = 0; i < PQntuples(res) && i < POOL_MAX; i++)
        snprintf(pools->values[which][pools->count[which]++], 72, "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    ck_assert_msg(pools->count[which] > 0, "no values for %s", sql);
}

static void
pools_load(struct pools *pools)
{
    pool_load(pools, POOL_SCAM, "SELECT code FROM scam_types");
    pool_load(pools, POOL_STAGE, "SELECT code FROM stages");
    pool_load(pools, POOL_CHANNEL, "SELECT code FROM channels");
    pool_load(pools, POOL_SOURCE, "SELECT code FROM report_sources");
    pool_load(pools, POOL_REGION, "SELECT region FROM reports WHERE region IS NOT NULL"
                                  " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 40");
    pool_load(pools, POOL_APP, "SELECT name FROM report_apps GROUP BY 1"
                               " ORDER BY count(*) DESC, 1 LIMIT 30");
    pool_load(pools, POOL_PHONE, "SELECT e164 FROM report_phones WHERE e164 IS NOT NULL"
                                 " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 30");
}

/* ---- one request ------------------------------------------------------------- */

struct combo {
    const char *route;
    char        from[40], to[40];
    const char *tz, *metric, *interval, *currency, *kind;
    size_t      dim;
    int         limit;
    size_t      filter_count;
    const char *filter_names[FILTERS_MAX];
    char        filter_values[FILTERS_MAX][72];
};

/* An instant near the generated reports, snapped as asked: to a local
 * midnight of the combo's zone, to a whole UTC hour, or not at all. */
static void
random_instant(const struct combo *c, double days_ago, int snap, char out[40])
{
    char        ago[32];
    const char *params[3] = {ago, c->tz, snap == 0 ? "day" : snap == 1 ? "hour" : "none"};
    PGresult   *res;

    snprintf(ago, sizeof(ago), "%.0f", days_ago * DAY_S);
    res = reference("SELECT rfc3339(CASE $3 WHEN 'day' THEN date_trunc('day', t AT TIME ZONE $2)"
                    "   AT TIME ZONE $2 WHEN 'hour' THEN date_trunc('hour', t) ELSE t END)"
                    " FROM (SELECT date_trunc('second', now()) - $1::integer * interval '1 second'"
                    "   AS t) x",
                    3, params);
    snprintf(out, 40, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

static void
random_range(struct combo *c)
{
    int    snap = (int)pick(5) % 3; /* day and hour twice as often as none */
    double start = (double)pick(400 * 24) / 24.0;
    double length = pick(6) == 0 ? (double)(1 + pick(400)) : (double)(1 + pick(24 * 45)) / 24.0;

    if (pick(25) == 0) {
        /* Nothing happened then. */
        snprintf(c->from, sizeof(c->from), "2001-02-03T04:00:00Z");
        snprintf(c->to, sizeof(c->to), "2001-%02zu-17T00:00:00Z", 3 + pick(9));
        return;
    }
    random_instant(c, start, snap, c->from);
    random_instant(c, start - length, snap, c->to);
    if (strcmp(c->from, c->to) >= 0)
        random_instant(c, start - length - 1.0, 2, c->to);
}

static void
add_filter(struct combo *c, const char *name, const char *value)
{
    for (size_t i = 0; i < c->filter_count; i++)
        if (strcmp(c->filter_names[i], name) == 0)
            return;
    c->filter_names[c->filter_count] = name;
    snprintf(c->filter_values[c->filter_count++], 72, "%s", value);
}

/* None, one scam type (which rollups keep), or one to three others. */
static void
random_filters(struct combo *c, const struct pools *pools)
{
    size_t choice = pick(20);
    size_t others = choice < 11 ? 0 : choice < 16 ? 1 : 1 + pick(FILTERS_MAX);

    if (choice >= 8 && choice < 12)
        add_filter(c, "scam_type", pools->values[POOL_SCAM][pick(pools->count[POOL_SCAM])]);
    while (c->filter_count < others) {
        const char *region = pools->values[POOL_REGION][pick(pools->count[POOL_REGION])];
        char        prefix[8];

        switch (pick(8)) {
        case 0:
            add_filter(c, "source", pools->values[POOL_SOURCE][pick(pools->count[POOL_SOURCE])]);
            break;
        case 1:
            add_filter(c, "stage", pools->values[POOL_STAGE][pick(pools->count[POOL_STAGE])]);
            break;
        case 2:
            add_filter(c, "stage_min",
                       pools->values[POOL_STAGE][pick(pools->count[POOL_STAGE])]);
            break;
        case 3:
            add_filter(c, "channel",
                       pools->values[POOL_CHANNEL][pick(pools->count[POOL_CHANNEL])]);
            break;
        case 4:
            snprintf(prefix, sizeof(prefix), "%.*s", 2 + 2 * (int)pick(3), region);
            add_filter(c, "region", prefix);
            break;
        case 5:
            add_filter(c, "app", pools->values[POOL_APP][pick(pools->count[POOL_APP])]);
            break;
        case 6:
            add_filter(c, "phone", pools->values[POOL_PHONE][pick(pools->count[POOL_PHONE])]);
            break;
        default:
            add_filter(c, "status", "open");
            break;
        }
    }
}

/* Appends `text` to out, percent-encoded but for unreserved characters. */
static void
put_encoded(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
            || strchr("-._~", *p) != NULL)
            fputc(*p, out);
        else
            fprintf(out, "%%%02X", *p);
}

static void
put_param(FILE *out, const char *name, const char *value)
{
    fprintf(out, "&%s=", name);
    put_encoded(out, value);
}

/* The request's path and query. Returns a new string. */
static char *
combo_path(const struct combo *c)
{
    char  *text = NULL;
    size_t len = 0;
    FILE  *out = open_memstream(&text, &len);

    fprintf(out, "/v1/trends/%s?from=%s&to=%s", c->route, c->from, c->to);
    put_param(out, "tz", c->tz);
    if (strcmp(c->route, "series") == 0) {
        put_param(out, "metric", c->metric);
        put_param(out, "interval", c->interval);
        if (c->dim != 0)
            put_param(out, "by", dims[c->dim]);
        if (strcmp(c->metric, "loss") == 0)
            put_param(out, "currency", c->currency);
    }
    if (strcmp(c->route, "top") == 0) {
        put_param(out, "kind", c->kind);
        fprintf(out, "&limit=%d", c->limit);
    }
    for (size_t i = 0; i < c->filter_count; i++)
        put_param(out, c->filter_names[i], c->filter_values[i]);
    fclose(out);
    return text;
}

static void
combo_describe(const struct combo *c, char *out, size_t size)
{
    char *path = combo_path(c);

    snprintf(out, size, "%s", path);
    free(path);
}

/* GET the combo as the analyst (raw numbers). Returns the status and, for
 * a 200 or a 400, the body (new reference) in *body. */
static long
ask(const struct combo *c, json_t **body)
{
    char                *path = combo_path(c);
    struct http_request  req = {.method = "GET", .path = path,
                                .key = http_client_key("analyst"), .timeout_ms = 30000};
    struct http_response resp;
    long                 status;
    double               start = now_s();

    ck_assert_msg(http_client_perform(&req, &resp) == 0, "%s: %s", path, resp.error);
    service_s += now_s() - start;
    status = resp.status;
    ck_assert_msg(status == 200 || status == 400, "%s answered %ld: %.300s", path, status,
                  resp.body);
    ck_assert_ptr_nonnull(http_client_header(&resp, status == 200 ? "X-Trend-Source"
                                                                  : "X-Request-Id"));
    *body = http_client_json(&resp);
    http_client_response_free(&resp);
    free(path);
    return status;
}

/* ---- the reference queries ------------------------------------------------------ */

/* `f`: the reports whose time (occurred_at, else reported_at) is in
 * [$1, $2) and that pass every filter; filter values from $first on. */
static void
reference_reports(FILE *sql, const struct combo *c, int first)
{
    fputs("f AS (SELECT r.id, r.scam_type, r.stage, r.channel, r.source, r.region,"
          "   r.impersonated, r.loss_minor, r.loss_currency,"
          "   COALESCE(r.occurred_at, r.reported_at) AS at FROM reports r"
          " WHERE (r.occurred_at >= $1::timestamptz AND r.occurred_at < $2::timestamptz"
          "   OR r.occurred_at IS NULL AND r.reported_at >= $1::timestamptz"
          "   AND r.reported_at < $2::timestamptz)",
          sql);
    for (size_t i = 0; i < c->filter_count; i++) {
        const char *name = c->filter_names[i];
        int         n = first + (int)i;

        if (strcmp(name, "stage_min") == 0)
            fprintf(sql, " AND r.stage IN (SELECT code FROM stages WHERE position >="
                         " (SELECT position FROM stages WHERE code = $%d))", n);
        else if (strcmp(name, "region") == 0)
            fprintf(sql, " AND r.region LIKE $%d || '%%'", n);
        else if (strcmp(name, "app") == 0)
            fprintf(sql, " AND EXISTS (SELECT 1 FROM report_apps x WHERE x.report_id = r.id"
                         " AND x.name = $%d)", n);
        else if (strcmp(name, "phone") == 0)
            fprintf(sql, " AND EXISTS (SELECT 1 FROM report_phones x WHERE x.report_id = r.id"
                         " AND x.e164 = $%d)", n);
        else
            fprintf(sql, " AND r.%s = $%d", name, n);
    }
    fputs(")", sql);
}

/* Runs `sql` with $1 from, $2 to, then `extra` values, then the filters. */
static PGresult *
reference_run(const struct combo *c, const char *sql, const char *const *extra, int extra_count)
{
    const char *params[PARAMS_MAX + 4];
    int         n = 0;

    params[n++] = c->from;
    params[n++] = c->to;
    for (int i = 0; i < extra_count; i++)
        params[n++] = extra[i];
    for (size_t i = 0; i < c->filter_count; i++)
        params[n++] = c->filter_values[i];
    return reference(sql, n, params);
}

/* Per (bucket, value) and per bucket (value NULL): reports, victims with
 * a loss, loss in the currency. $3 zone, $4 interval, $5 currency. */
static PGresult *
reference_series(const struct combo *c)
{
    const char *extra[3] = {c->tz, c->interval, c->currency};
    char       *sql = NULL;
    size_t      len = 0;
    FILE       *out = open_memstream(&sql, &len);
    PGresult   *res;

    fputs("WITH ", out);
    reference_reports(out, c, 6);
    fputs(", g AS (SELECT date_trunc($4, f.at AT TIME ZONE $3) AS b, NULL::text AS v,"
          "   count(*) AS n, count(*) FILTER (WHERE f.loss_minor > 0) AS victims,"
          "   COALESCE(sum(f.loss_minor) FILTER (WHERE f.loss_currency = $5), 0) AS loss"
          " FROM f GROUP BY 1",
          out);
    if (c->dim != 0)
        fprintf(out,
                " UNION ALL SELECT date_trunc($4, f.at AT TIME ZONE $3), %s, count(*),"
                " count(*) FILTER (WHERE f.loss_minor > 0),"
                " COALESCE(sum(f.loss_minor) FILTER (WHERE f.loss_currency = $5), 0)"
                " FROM f%s GROUP BY 1, 2",
                dim_sql[c->dim],
                strcmp(dims[c->dim], "app") == 0
                    ? " JOIN LATERAL (SELECT DISTINCT x.name FROM report_apps x"
                      " WHERE x.report_id = f.id) a ON true"
                    : "");
    fputs(") SELECT to_char(b, 'YYYY-MM-DD\"T\"HH24:MI:SS'), v, n, victims, loss FROM g", out);
    fclose(out);
    res = reference_run(c, sql, extra, 3);
    free(sql);
    return res;
}

/* ---- comparing a series ------------------------------------------------------- */

static int64_t
metric_of(const struct combo *c, PGresult *res, int row)
{
    int column = strcmp(c->metric, "reports") == 0 ? 2 : strcmp(c->metric, "loss") == 0 ? 4 : 3;

    return strtoll(PQgetvalue(res, row, column), NULL, 10);
}

/* Expected numbers keyed "bucket\x1fvalue" ("bucket\x1f" for the total),
 * and the values with a report. */
static void
expected_series(const struct combo *c, PGresult *res, json_t *cells, json_t *values)
{
    for (int i = 0; i < PQntuples(res); i++) {
        char key[400];
        bool total = PQgetisnull(res, i, 1);

        snprintf(key, sizeof(key), "%s\x1f%s%s", PQgetvalue(res, i, 0), total ? "" : "=",
                 total ? "" : PQgetvalue(res, i, 1));
        json_object_set_new(cells, key, json_integer(metric_of(c, res, i)));
        if (!total && strtoll(PQgetvalue(res, i, 2), NULL, 10) > 0)
            json_object_set_new(values, PQgetvalue(res, i, 1), json_true());
    }
}

static int64_t
expected_cell(json_t *cells, const char *bucket, const char *value)
{
    char key[400];

    snprintf(key, sizeof(key), "%.19s\x1f%s%s", bucket, value != NULL ? "=" : "",
             value != NULL ? value : "");
    return json_integer_value(json_object_get(cells, key));
}

/* The buckets the answer must have, local start times, in order. */
static PGresult *
expected_buckets(const struct combo *c)
{
    const char *params[4] = {c->from, c->to, c->tz, c->interval};

    return reference("SELECT to_char(s, 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM generate_series("
                     " date_trunc($4, $1::timestamptz AT TIME ZONE $3),"
                     " date_trunc($4, ($2::timestamptz - interval '1 microsecond')"
                     "   AT TIME ZONE $3), ('1 ' || $4)::interval) s",
                     4, params);
}

/* Each start with its offset names the local start in the zone. */
static void
check_offsets(const struct combo *c, json_t *buckets, const char *what)
{
    json_t     *starts = json_array();
    size_t      i;
    json_t     *bucket;
    char       *text;
    const char *params[2];
    PGresult   *res;

    json_array_foreach(buckets, i, bucket)
        json_array_append(starts, json_object_get(bucket, "start"));
    text = json_dumps(starts, JSON_COMPACT);
    params[0] = text;
    params[1] = c->tz;
    res = reference("SELECT count(*) FROM json_array_elements_text($1::json) s"
                    " WHERE to_char(s::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
                    "   <> left(s, 19)",
                    2, params);
    ck_assert_msg(strcmp(PQgetvalue(res, 0, 0), "0") == 0,
                  "%s: %s bucket starts name another local time", what, PQgetvalue(res, 0, 0));
    PQclear(res);
    free(text);
    json_decref(starts);
}

static void
check_too_many(PGresult *buckets, json_t *values, json_t *problem, const char *what)
{
    json_t *error = json_array_get(json_object_get(problem, "errors"), 0);

    ck_assert_msg(strcmp(json_string_value(json_object_get(error, "code")), "too_many_cells")
                      == 0,
                  "%s: 400 %s", what, json_string_value(json_object_get(problem, "detail")));
    ck_assert_msg((size_t)PQntuples(buckets) * json_object_size(values) > CELLS_MAX,
                  "%s: refused %d buckets x %zu values", what, PQntuples(buckets),
                  json_object_size(values));
}

static void
check_bucket(const struct combo *c, json_t *cells, json_t *values, json_t *bucket,
             const char *what)
{
    const char *start = json_string_value(json_object_get(bucket, "start"));
    json_t     *got = json_object_get(bucket, "values");
    const char *value;
    json_t     *expected;

    ck_assert_msg(json_integer_value(json_object_get(bucket, "total"))
                      == expected_cell(cells, start, NULL),
                  "%s: bucket %s total %lld, want %lld", what, start,
                  (long long)json_integer_value(json_object_get(bucket, "total")),
                  (long long)expected_cell(cells, start, NULL));
    if (c->dim == 0) {
        ck_assert_msg(got == NULL, "%s: values without a breakdown", what);
        return;
    }
    ck_assert_msg(json_object_size(got) == json_object_size(values),
                  "%s: bucket %s has %zu values, want %zu", what, start, json_object_size(got),
                  json_object_size(values));
    json_object_foreach(values, value, expected) {
        json_t *cell = json_object_get(got, value);

        ck_assert_msg(json_is_integer(cell), "%s: bucket %s lacks value '%s'", what, start,
                      value);
        ck_assert_msg(json_integer_value(cell) == expected_cell(cells, start, value),
                      "%s: bucket %s value '%s' is %lld, want %lld", what, start, value,
                      (long long)json_integer_value(cell),
                      (long long)expected_cell(cells, start, value));
    }
}

static void
check_series(const struct combo *c)
{
    char      what[1200];
    json_t   *body, *buckets, *bucket;
    json_t   *cells = json_object(), *values = json_object();
    PGresult *expected = reference_series(c);
    PGresult *starts = expected_buckets(c);
    long      status = ask(c, &body);
    size_t    i;

    combo_describe(c, what, sizeof(what));
    expected_series(c, expected, cells, values);
    if (status == 400) {
        check_too_many(starts, values, body, what);
    } else {
        buckets = json_object_get(body, "buckets");
        ck_assert_msg(json_array_size(buckets) == (size_t)PQntuples(starts),
                      "%s: %zu buckets, want %d", what, json_array_size(buckets),
                      PQntuples(starts));
        json_array_foreach(buckets, i, bucket) {
            ck_assert_msg(strncmp(json_string_value(json_object_get(bucket, "start")),
                                  PQgetvalue(starts, (int)i, 0), 19) == 0,
                          "%s: bucket %zu starts %s, want %s", what, i,
                          json_string_value(json_object_get(bucket, "start")),
                          PQgetvalue(starts, (int)i, 0));
            check_bucket(c, cells, values, bucket, what);
        }
        check_offsets(c, buckets, what);
    }
    json_decref(body);
    json_decref(cells);
    json_decref(values);
    PQclear(expected);
    PQclear(starts);
}

/* ---- top, funnel, summary ----------------------------------------------------------- */

/* (current - previous) / previous, or null. */
static void
check_change(const json_t *got, int64_t current, int64_t previous, const char *what)
{
    if (previous == 0) {
        ck_assert_msg(json_is_null(got), "%s: change with nothing before", what);
        return;
    }
    ck_assert_msg(json_is_real(got)
                      && json_real_value(got) == (double)(current - previous) / (double)previous,
                  "%s: change %g, want %lld -> %lld", what, json_real_value(got),
                  (long long)previous, (long long)current);
}

/* The reference of a top-N list: per value, reports in the range and in
 * the equal period before it, losses per currency, first and last
 * Asia/Shanghai day seen in the range; $1 the period before's start, $2 to, $3 limit, the
 * filters from $4, the range's from after them. */
static PGresult *
reference_top(const struct combo *c)
{
    static const char *const sources[] = {
        "SELECT report_id, e164 AS value FROM report_phones WHERE e164 IS NOT NULL",
        "SELECT report_id, name AS value FROM report_apps",
        "SELECT id AS report_id, region::text AS value FROM reports WHERE region IS NOT NULL",
    };
    size_t       kind = strcmp(c->kind, "phone") == 0 ? 0 : strcmp(c->kind, "app") == 0 ? 1 : 2;
    int          from = 4 + (int)c->filter_count;
    char         limit[16], *sql = NULL;
    size_t       len = 0;
    FILE        *out = open_memstream(&sql, &len);
    const char  *params[PARAMS_MAX + 4];
    int          n = 0;
    struct combo both = *c;
    PGresult    *start, *res;

    start = reference("SELECT rfc3339($1::timestamptz - ($2::timestamptz - $1::timestamptz))", 2,
                      (const char *const[]){c->from, c->to});
    snprintf(both.from, sizeof(both.from), "%s", PQgetvalue(start, 0, 0));
    PQclear(start);
    snprintf(limit, sizeof(limit), "%d", c->limit);
    fputs("WITH ", out);
    reference_reports(out, c, 4);
    fprintf(out,
            ", p AS (SELECT DISTINCT f.id, f.at, f.loss_minor, f.loss_currency, x.value"
            "   FROM f JOIN (%s) x ON x.report_id = f.id)"
            " SELECT value, count(*) FILTER (WHERE at >= $%d::timestamptz),"
            "  count(*) FILTER (WHERE at < $%d::timestamptz),"
            "  to_char((min(at) FILTER (WHERE at >= $%d::timestamptz)"
            "    AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD'),"
            "  to_char((max(at) FILTER (WHERE at >= $%d::timestamptz)"
            "    AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD'),"
            "  (SELECT COALESCE(json_object_agg(c, s), '{}') FROM (SELECT q.loss_currency AS c,"
            "    sum(q.loss_minor) AS s FROM p q WHERE q.value = p.value"
            "    AND q.at >= $%d::timestamptz AND q.loss_currency IS NOT NULL GROUP BY 1) z)"
            " FROM p GROUP BY value HAVING count(*) FILTER (WHERE at >= $%d::timestamptz) > 0"
            " ORDER BY 2 DESC, value COLLATE \"C\" LIMIT $3::integer",
            sources[kind], from, from, from, from, from, from);
    fclose(out);
    params[n++] = both.from;
    params[n++] = c->to;
    params[n++] = limit;
    for (size_t i = 0; i < c->filter_count; i++)
        params[n++] = c->filter_values[i];
    params[n++] = c->from;
    res = reference(sql, n, params);
    free(sql);
    return res;
}

static void
check_top(const struct combo *c)
{
    char      what[1200];
    PGresult *res = reference_top(c);
    json_t   *body, *items;

    combo_describe(c, what, sizeof(what));
    ck_assert_int_eq(ask(c, &body), 200);
    items = json_object_get(body, "items");
    ck_assert_msg(json_array_size(items) == (size_t)PQntuples(res), "%s: %zu items, want %d",
                  what, json_array_size(items), PQntuples(res));
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *item = json_array_get(items, (size_t)i);
        json_t *loss = json_loads(PQgetvalue(res, i, 5), 0, NULL);
        int64_t reports = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        int64_t previous = strtoll(PQgetvalue(res, i, 2), NULL, 10);

        ck_assert_msg(strcmp(json_string_value(json_object_get(item, "value")),
                             PQgetvalue(res, i, 0)) == 0,
                      "%s: item %d is %s, want %s", what, i,
                      json_string_value(json_object_get(item, "value")), PQgetvalue(res, i, 0));
        ck_assert_msg(json_integer_value(json_object_get(item, "reports")) == reports
                          && json_integer_value(json_object_get(item, "previous_reports"))
                                 == previous,
                      "%s: %s counts differ", what, PQgetvalue(res, i, 0));
        ck_assert_msg(json_equal(json_object_get(item, "loss"), loss), "%s: %s loss differs",
                      what, PQgetvalue(res, i, 0));
        ck_assert_str_eq(json_string_value(json_object_get(item, "first_seen")),
                         PQgetvalue(res, i, 3));
        ck_assert_str_eq(json_string_value(json_object_get(item, "last_seen")),
                         PQgetvalue(res, i, 4));
        check_change(json_object_get(item, "change"), reports, previous, what);
        json_decref(loss);
    }
    PQclear(res);
    json_decref(body);
}

static void
check_funnel(const struct combo *c)
{
    char      what[1200], *sql = NULL;
    size_t    len = 0;
    FILE     *out = open_memstream(&sql, &len);
    PGresult *res;
    json_t   *body, *stages;

    fputs("WITH ", out);
    reference_reports(out, c, 3);
    fputs(" SELECT s.code, (SELECT count(*) FROM f JOIN stages x ON x.code = f.stage"
          "   WHERE x.position >= s.position) FROM stages s ORDER BY s.position",
          out);
    fclose(out);
    res = reference_run(c, sql, NULL, 0);
    combo_describe(c, what, sizeof(what));
    ck_assert_int_eq(ask(c, &body), 200);
    stages = json_object_get(body, "stages");
    ck_assert_uint_eq(json_array_size(stages), (size_t)PQntuples(res));
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *stage = json_array_get(stages, (size_t)i);
        int64_t reached = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        int64_t first = strtoll(PQgetvalue(res, 0, 1), NULL, 10);

        ck_assert_str_eq(json_string_value(json_object_get(stage, "stage")),
                         PQgetvalue(res, i, 0));
        ck_assert_msg(json_integer_value(json_object_get(stage, "reached")) == reached,
                      "%s: %s reached %lld, want %lld", what, PQgetvalue(res, i, 0),
                      (long long)json_integer_value(json_object_get(stage, "reached")),
                      (long long)reached);
        if (first == 0)
            ck_assert(json_is_null(json_object_get(stage, "share")));
        else
            ck_assert(json_real_value(json_object_get(stage, "share"))
                      == (double)reached / (double)first);
    }
    PQclear(res);
    free(sql);
    json_decref(body);
}

/* One period of a summary: [from, to) of `c`. */
static void
check_period(const struct combo *c, const json_t *got, const char *what)
{
    char      *sql = NULL;
    size_t     len = 0;
    FILE      *out = open_memstream(&sql, &len);
    PGresult  *res;
    json_t    *loss;

    fputs("WITH ", out);
    reference_reports(out, c, 3);
    fputs(" SELECT count(*), count(*) FILTER (WHERE loss_minor > 0),"
          "  (SELECT COALESCE(json_object_agg(c, s), '{}') FROM (SELECT loss_currency AS c,"
          "    sum(loss_minor) AS s FROM f WHERE loss_currency IS NOT NULL GROUP BY 1) z)"
          " FROM f",
          out);
    fclose(out);
    res = reference_run(c, sql, NULL, 0);
    loss = json_loads(PQgetvalue(res, 0, 2), 0, NULL);
    ck_assert_msg(json_integer_value(json_object_get(got, "reports"))
                          == strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                      && json_integer_value(json_object_get(got, "victims_with_loss"))
                             == strtoll(PQgetvalue(res, 0, 1), NULL, 10),
                  "%s: %s counts differ", what, c->from);
    ck_assert_msg(json_equal(json_object_get(got, "loss"), loss), "%s: %s loss differs", what,
                  c->from);
    json_decref(loss);
    PQclear(res);
    free(sql);
}

static void
check_summary(const struct combo *c)
{
    char         what[1200];
    struct combo before = *c;
    json_t      *body;

    combo_describe(c, what, sizeof(what));
    ck_assert_int_eq(ask(c, &body), 200);
    check_period(c, json_object_get(body, "current"), what);
    snprintf(before.to, sizeof(before.to), "%s", c->from);
    snprintf(before.from, sizeof(before.from), "%s",
             json_string_value(json_object_get(body, "previous_from")));
    check_period(&before, json_object_get(body, "previous"), what);
    check_change(json_object_get(json_object_get(body, "change"), "reports"),
                 json_integer_value(json_object_get(json_object_get(body, "current"), "reports")),
                 json_integer_value(json_object_get(json_object_get(body, "previous"),
                                                    "reports")),
                 what);
    json_decref(body);
}

/* ---- the tests ---------------------------------------------------------------- */

/* Applies every pending rollup row, a batch per call (the service's
 * worker applies alongside). */
static void
apply_rollups(void)
{
    time_t deadline = time(NULL) + 120;

    for (;;) {
        PGresult *res = reference("SELECT trend_apply(20000), (SELECT count(*) FROM trend_pending)",
                                  0, NULL);
        bool      done = strcmp(PQgetvalue(res, 0, 1), "0") == 0;

        PQclear(res);
        if (done)
            return;
        ck_assert_msg(time(NULL) < deadline, "trend_pending did not drain");
    }
}

START_TEST(test_generate)
{
    struct db      *db = db_create(testutil_env("FRAUD_TEST_DATABASE_URL"), 1, 5000, 0);
    struct db_conn *conn = db != NULL ? db_acquire(db) : NULL;
    struct timespec start, loaded, applied;

    ck_assert_ptr_nonnull(conn);
    clock_gettime(CLOCK_MONOTONIC, &start);
    ck_assert_int_eq(demo_generate(conn, GENERATED_REPORTS, GENERATED_DAYS, GENERATED_SEED), 0);
    db_release(db, conn);
    db_destroy(db);
    clock_gettime(CLOCK_MONOTONIC, &loaded);
    apply_rollups();
    /* Fresh statistics, as autovacuum would soon have them: plans of the
     * base-table queries (the service's and these) depend on them. */
    PQclear(reference("ANALYZE reports, report_phones, report_apps", 0, NULL));
    clock_gettime(CLOCK_MONOTONIC, &applied);
    fprintf(stderr, "trend_equivalence: %d reports generated in %.1f s, rollups applied (and"
                    " tables analysed) in %.1f s\n",
            GENERATED_REPORTS,
            (double)(loaded.tv_sec - start.tv_sec) + (double)(loaded.tv_nsec - start.tv_nsec) / 1e9,
            (double)(applied.tv_sec - loaded.tv_sec)
                + (double)(applied.tv_nsec - loaded.tv_nsec) / 1e9);
}
END_TEST

START_TEST(test_series)
{
    struct pools pools;

    apply_rollups();
    pools_load(&pools);
    seed_randoms("series");
    for (int i = 0; i < SERIES_COMBOS; i++) {
        struct combo c = {.route = "series"};

        c.tz = PICK(zones);
        c.metric = PICK(metrics);
        c.interval = PICK(intervals);
        c.dim = pick(sizeof(dims) / sizeof(dims[0]));
        c.currency = pick(6) == 0 ? "JPY" : "CNY";
        random_range(&c);
        random_filters(&c, &pools);
        check_series(&c);
    }
    fprintf(stderr, "trend_equivalence: %d series: %.1f s in the service, %.1f s in reference"
                    " queries\n", SERIES_COMBOS, service_s, reference_s);
}
END_TEST

START_TEST(test_top_funnel_summary)
{
    struct pools pools;

    apply_rollups();
    pools_load(&pools);
    seed_randoms("top, funnel and summary");
    for (int i = 0; i < OTHER_COMBOS; i++) {
        struct combo c = {.route = i % 3 == 0 ? "top" : i % 3 == 1 ? "funnel" : "summary"};

        c.tz = PICK(zones);
        c.kind = PICK(kinds);
        c.limit = 1 + (int)pick(30);
        random_range(&c);
        random_filters(&c, &pools);
        if (strcmp(c.route, "top") == 0)
            check_top(&c);
        else if (strcmp(c.route, "funnel") == 0)
            check_funnel(&c);
        else
            check_summary(&c);
    }
    fprintf(stderr, "trend_equivalence: %d top, funnel, summary: %.1f s in the service, %.1f s"
                    " in reference queries\n", OTHER_COMBOS, service_s, reference_s);
}
END_TEST

/* The first row where two answers of the same columns differ (a missing
 * row differs), as text; -1 when they are the same. */
static int
first_difference(const PGresult *a, const PGresult *b)
{
    int rows = PQntuples(a) > PQntuples(b) ? PQntuples(a) : PQntuples(b);

    for (int i = 0; i < rows; i++) {
        if (i >= PQntuples(a) || i >= PQntuples(b))
            return i;
        for (int col = 0; col < PQnfields(a); col++)
            if (PQgetisnull(a, i, col) != PQgetisnull(b, i, col)
                || strcmp(PQgetvalue(a, i, col), PQgetvalue(b, i, col)) != 0)
                return i;
    }
    return -1;
}

/* The pieces (of tiers up to `coarsest`) and reads of a combo's range of
 * local midnights, as the service passes them to the statements. */
static void
combo_range(const struct combo *c, enum trend_tier coarsest, struct trends_range *range)
{
    int64_t from_s, to_s;

    ck_assert(timestamp_parse_rfc3339(c->from, &from_s) == 0);
    ck_assert(timestamp_parse_rfc3339(c->to, &to_s) == 0);
    trends_store_range(from_s, to_s, coarsest, range);
}

/* The pruned top-N statement against the one that sums every value, run
 * directly: on day-aligned ranges of every indicator kind, limits from 1
 * to 100 and heads from the limit to three times it, every answer it
 * proves (all but a row of NULLs) is the full one, character for character
 * and in the same order, and it proves most of them (the skewed counts of
 * the generated data are what it is for). */
START_TEST(test_top_pruned_equals_full)
{
    static const char *const all_kinds[] = {"phone", "app", "account", "url", "region"};
    static const int         limits[] = {1, 5, 10, 30, 100};
    static const double      lengths[] = {1, 7, 30, 91, 365};
    int                      proved = 0;

    apply_rollups();
    seed_randoms("pruned top-N");
    for (int i = 0; i < PRUNED_COMBOS; i++) {
        struct combo        c = {.tz = "Asia/Shanghai"};
        struct trends_range range;
        char                limit[16], head[16];
        const char         *params[7] = {c.from,       c.to,        PICK(all_kinds), limit,
                                         range.pieces, range.reads, head};
        int                 n = PICK(limits);
        double              start = (double)pick(400), length = PICK(lengths);
        PGresult           *pruned, *full;

        random_instant(&c, start, 0, c.from);
        random_instant(&c, start - length, 0, c.to);
        combo_range(&c, TREND_TIER_YEAR, &range);
        snprintf(limit, sizeof(limit), "%d", n);
        snprintf(head, sizeof(head), "%zu", (size_t)n + pick(2 * (size_t)n + 11));
        pruned = reference(statements[STMT_TRENDS_TOP_PRUNED].sql, 7, params);
        full = reference(statements[STMT_TRENDS_TOP_DAILY].sql, 6, params);
        if (PQntuples(pruned) != 1 || !PQgetisnull(pruned, 0, 0)) {
            int row = first_difference(pruned, full);

            proved++;
            ck_assert_msg(row < 0, "top %s %s..%s limit %s head %s: row %d differs (%d rows,"
                          " full %d)", params[2], c.from, c.to, limit, head, row,
                          PQntuples(pruned), PQntuples(full));
        }
        PQclear(pruned);
        PQclear(full);
    }
    fprintf(stderr, "trend_equivalence: pruned top-N proved %d of %d answers, the rest summed\n",
            proved, PRUNED_COMBOS);
    ck_assert_msg(proved >= PRUNED_COMBOS / 2, "pruning proved only %d of %d", proved,
                  PRUNED_COMBOS);
}
END_TEST

/* Values that share a value key are told apart (migrations/0022: the key
 * is a hash): with the key cut to 4 bits, so that each key is shared by
 * thousands of values of every kind, the top-N statements (pruned and
 * full in turn) and the lookup answer what they answered with the real
 * keys, row for row. In a transaction rolled back at the end. */
#define SHARED_KEY_SQL                                                                        \
    "CREATE OR REPLACE FUNCTION trend_value_key(value text) RETURNS bigint"                   \
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN hashtextextended(value, 0) & 15"
#define SHARED_KEY_LOOKUPS_SQL                                                                \
    "(SELECT kind, value FROM trend_indicator_monthly WHERE kind IN ('phone', 'account', 'url')" \
    "  GROUP BY 1, 2 ORDER BY sum(reports) DESC, 2 LIMIT 4)"                                  \
    " UNION ALL (SELECT kind, value FROM trend_indicator_monthly WHERE kind = 'account'"      \
    "  GROUP BY 1, 2 ORDER BY sum(reports), 2 LIMIT 2)"                                       \
    " UNION ALL SELECT 'phone', '+8613800000000'"
#define SHARED_KEY_TOPS    24
#define SHARED_KEY_LOOKUPS 7

struct shared_key_top {
    struct combo        c;
    struct trends_range range;
    char                limit[16], head[16];
    const char         *params[7];
};

static PGresult *
shared_key_answer(int i, const struct shared_key_top *tops, const PGresult *lookups)
{
    const char *values[2];

    if (i < SHARED_KEY_TOPS)
        return i % 2 ? reference(statements[STMT_TRENDS_TOP_DAILY].sql, 6, tops[i / 2].params)
                     : reference(statements[STMT_TRENDS_TOP_PRUNED].sql, 7, tops[i / 2].params);
    values[0] = PQgetvalue(lookups, i - SHARED_KEY_TOPS, 0);
    values[1] = PQgetvalue(lookups, i - SHARED_KEY_TOPS, 1);
    return reference(statements[STMT_TRENDS_LOOKUP].sql, 2, values);
}

START_TEST(test_shared_value_keys)
{
    static const char *const all_kinds[] = {"phone", "app", "account", "url", "region"};
    static const double      lengths[] = {7, 30, 91, 365};
    struct shared_key_top    tops[SHARED_KEY_TOPS / 2];
    PGresult                *before[SHARED_KEY_TOPS + SHARED_KEY_LOOKUPS], *lookups, *keys;
    int                      rows = 0;

    apply_rollups();
    seed_randoms("shared value keys");
    PQclear(reference("BEGIN", 0, NULL));
    lookups = reference(SHARED_KEY_LOOKUPS_SQL, 0, NULL);
    ck_assert_int_eq(PQntuples(lookups), SHARED_KEY_LOOKUPS);
    for (int i = 0; i < SHARED_KEY_TOPS / 2; i++) {
        struct shared_key_top *t = &tops[i];
        double                 start = (double)pick(360), length = PICK(lengths);

        t->c.tz = "Asia/Shanghai";
        random_instant(&t->c, start, 0, t->c.from);
        random_instant(&t->c, start - length, 0, t->c.to);
        snprintf(t->limit, sizeof(t->limit), "%d", i % 3 ? 100 : 10);
        snprintf(t->head, sizeof(t->head), "%d", i % 3 ? 110 : 20);
        t->params[0] = t->c.from;
        t->params[1] = t->c.to;
        t->params[2] = all_kinds[i % 5];
        t->params[3] = t->limit;
        combo_range(&t->c, TREND_TIER_YEAR, &t->range);
        t->params[4] = t->range.pieces;
        t->params[5] = t->range.reads;
        t->params[6] = t->head;
    }
    for (int i = 0; i < SHARED_KEY_TOPS + SHARED_KEY_LOOKUPS; i++)
        before[i] = shared_key_answer(i, tops, lookups);

    PQclear(reference(SHARED_KEY_SQL, 0, NULL));
    PQclear(reference("UPDATE trend_indicator_daily SET value = value", 0, NULL));
    PQclear(reference("UPDATE trend_indicator_monthly SET value = value", 0, NULL));
    PQclear(reference("UPDATE trend_indicator_yearly SET value = value", 0, NULL));
    keys = reference("SELECT count(DISTINCT value_key), count(DISTINCT value)"
                     " FROM trend_indicator_daily", 0, NULL);
    ck_assert_msg(atoi(PQgetvalue(keys, 0, 0)) <= 16 && atoi(PQgetvalue(keys, 0, 1)) > 1000,
                  "%s keys for %s values", PQgetvalue(keys, 0, 0), PQgetvalue(keys, 0, 1));
    for (int i = 0; i < SHARED_KEY_TOPS + SHARED_KEY_LOOKUPS; i++) {
        PGresult *after = shared_key_answer(i, tops, lookups);
        int       row = first_difference(before[i], after);

        ck_assert_msg(row < 0, "answer %d (%s) differs at row %d with shared keys", i,
                      i < SHARED_KEY_TOPS ? tops[i / 2].params[2]
                                          : PQgetvalue(lookups, i - SHARED_KEY_TOPS, 1), row);
        rows += PQntuples(after);
        PQclear(after);
        PQclear(before[i]);
    }
    PQclear(reference("ROLLBACK", 0, NULL));
    PQclear(keys);
    PQclear(lookups);
    ck_assert_msg(rows > 500, "only %d rows compared", rows);
}
END_TEST

/* A series statement's answer with the rows of each cell added up, as
 * trend_cells_grid adds them ("kind|n|text|reports|metric|count;..."; a
 * NULL metric or count is the row's reports), and the number of its cell
 * rows: SERIES_SUMMED_HEAD, the statement, SERIES_SUMMED_TAIL. */
#define SERIES_SUMMED_HEAD                                                                    \
    "SELECT string_agg(concat_ws('|', kind, n, text, reports, metric, count), ';'"           \
    "  ORDER BY kind, n, text COLLATE \"C\"), COALESCE(sum(raw) FILTER (WHERE kind = 1), 0)"  \
    " FROM (SELECT kind, n, text, sum(reports) AS reports,"                                   \
    "  sum(COALESCE(metric, reports)) AS metric, sum(COALESCE(count, reports)) AS count,"     \
    "  count(*) AS raw FROM ("
#define SERIES_SUMMED_TAIL ") x GROUP BY 1, 2, 3) y"

/* The same of TREND_SERIES_ROWS_SQL, whose rows count days from the first
 * bucket's (a bucket row's reports is its first day): each cell row moved
 * to the last bucket that starts on or before its day, a bucket row's
 * reports NULL as in the other statements. */
#define SERIES_DAYS_HEAD "WITH s AS ("
#define SERIES_DAYS_TAIL                                                                      \
    ") " SERIES_SUMMED_HEAD                                                                   \
    "SELECT s.kind, CASE WHEN s.kind = 1 THEN (SELECT max(b.n) FROM s b"                      \
    "  WHERE b.kind = 0 AND b.reports <= s.n) ELSE s.n END AS n, s.text,"                     \
    " CASE WHEN s.kind = 1 THEN s.reports END AS reports, s.metric, s.count FROM s"          \
    SERIES_SUMMED_TAIL

/* The series statement that answers rollup rows, summed per cell, against
 * the one that sums them (the answer of series of more rows), run
 * directly: day-aligned ranges of up to a year and more, cutting weeks
 * and months anywhere, every interval, breakdown, metric and scope. */
START_TEST(test_series_rows_equal_cells)
{
    static const char *const scopes[] = {"", "fake_loan", "fake_investment"};
    static const double      lengths[] = {1, 7, 30, 45, 91, 365, 400};
    int                      compared = 0;
    char                    *sql[2];

    apply_rollups();
    seed_randoms("series rows");
    for (int k = 0; k < 2; k++) {
        enum statement id = k == 0 ? STMT_TRENDS_SERIES_ROWS : STMT_TRENDS_SERIES_DAILY;
        const char    *head = k == 0 ? SERIES_DAYS_HEAD : SERIES_SUMMED_HEAD;
        const char    *tail = k == 0 ? SERIES_DAYS_TAIL : SERIES_SUMMED_TAIL;
        size_t         size = strlen(head) + strlen(statements[id].sql) + strlen(tail) + 1;

        sql[k] = malloc(size);
        ck_assert_ptr_nonnull(sql[k]);
        snprintf(sql[k], size, "%s%s%s", head, statements[id].sql, tail);
    }
    for (int i = 0; i < SERIES_ROWS_COMBOS; i++) {
        struct combo        c = {.tz = "Asia/Shanghai"};
        struct trends_range range;
        size_t              dim = pick(sizeof(dims) / sizeof(dims[0]));
        const char         *params[9] = {c.from,
                                         c.to,
                                         c.tz,
                                         PICK(intervals),
                                         dims[dim] != NULL ? dims[dim] : "total",
                                         "CNY",
                                         PICK(metrics),
                                         PICK(scopes),
                                         range.pieces};
        double              start = (double)pick(400), length = PICK(lengths);
        PGresult           *rows, *cells;

        if (dim == sizeof(dims) / sizeof(dims[0]) - 1)
            params[7] = "";
        random_instant(&c, start, 0, c.from);
        random_instant(&c, start - length, 0, c.to);
        combo_range(&c, strcmp(params[3], "month") == 0 ? TREND_TIER_MONTH : TREND_TIER_DAY,
                    &range);
        rows = reference(sql[0], 9, params);
        cells = reference(sql[1], 9, params);
        /* Too many cells (kind 2, alone), or rows beyond what the rows
         * statement sends: the service answers with the cells statement. */
        if (strncmp(PQgetvalue(cells, 0, 0), "2|", 2) != 0
            && atol(PQgetvalue(rows, 0, 1)) <= TREND_SERIES_ROWS_MAX) {
            compared++;
            ck_assert_msg(strcmp(PQgetvalue(rows, 0, 0), PQgetvalue(cells, 0, 0)) == 0,
                          "series %s by %s of %s, scope '%s', %s..%s: rows %.300s, cells %.300s",
                          params[3], params[4], params[6], params[7], c.from, c.to,
                          PQgetvalue(rows, 0, 0), PQgetvalue(cells, 0, 0));
        }
        PQclear(rows);
        PQclear(cells);
    }
    free(sql[0]);
    free(sql[1]);
    fprintf(stderr, "trend_equivalence: series rows equal cells in %d of %d (the rest too"
                    " large)\n", compared, SERIES_ROWS_COMBOS);
    ck_assert_msg(compared >= SERIES_ROWS_COMBOS * 3 / 4, "compared only %d of %d", compared,
                  SERIES_ROWS_COMBOS);
}
END_TEST

Suite *
trend_equivalence_suite(void)
{
    Suite *suite = suite_create("trend_equivalence");
    TCase *generate = tcase_create("generate");
    TCase *compare = tcase_create("compare");

    /* Two cases run in order; "compare" alone (CK_RUN_CASE) reruns the
     * comparisons on a database already filled. */
    tcase_set_timeout(generate, 240);
    tcase_add_test(generate, test_generate);
    suite_add_tcase(suite, generate);
    tcase_add_unchecked_fixture(compare, http_client_setup, http_client_teardown);
    tcase_set_timeout(compare, 240);
    tcase_add_test(compare, test_series);
    tcase_add_test(compare, test_top_funnel_summary);
    tcase_add_test(compare, test_top_pruned_equals_full);
    tcase_add_test(compare, test_series_rows_equal_cells);
    tcase_add_test(compare, test_shared_value_keys);
    suite_add_tcase(suite, compare);
    return suite;
}
