/*
 * The trend routes: query parameters into a trend_query, the source that
 * answers it exactly (a rollup when one fits, else the base tables, said
 * in X-Trend-Source), the numbers from the store, k-suppression for
 * callers who are neither analysts nor police, and the answer as JSON or
 * as CSV built from the same numbers and hidden cells, so both always say
 * the same.
 */
#include "handlers/trends.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "domain/decimal.h"
#include "domain/jsonstr.h"
#include "domain/report.h"
#include "domain/role.h"
#include "domain/trend_suppress.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "http/respond.h"
#include "store/trends_store.h"

#define CSV_MEDIA_TYPE "text/csv; charset=utf-8"

/* ---- reading a request ---------------------------------------------------- */

struct parse {
    struct trend_query *query;
    const struct vocab *vocab;
    struct violations  *errs;
};

static enum MHD_Result
take_parameter(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    struct parse *parse = cls;

    (void)kind;
    trend_query_set(parse->query, parse->vocab, name, value, parse->errs);
    return MHD_YES;
}

static int
read_query(struct request *req, enum trend_route route, const struct vocab *vocab,
           struct trend_query *query, struct violations *errs)
{
    struct parse parse = {query, vocab, errs};

    trend_query_init(query, route);
    violations_init(errs);
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, take_parameter, &parse);
    trend_query_finish(query, errs);
    return errs->count + errs->dropped == 0 ? 0 : -1;
}

/* Reads the query against the current code lists; when a code is unknown,
 * once more against freshly loaded lists, in case a code was just added. */
static int
parse_query(struct request *req, struct db_conn *conn, enum trend_route route,
            struct trend_query *query, struct violations *errs)
{
    struct app   *app = req->app;
    struct vocab *vocab = app_vocab(app);
    int           rc = read_query(req, route, vocab, query, errs);

    if (rc != 0 && report_unknown_codes(errs)) {
        struct vocab *fresh = app_vocab_refresh(app, conn);

        if (fresh != NULL) {
            rc = read_query(req, route, fresh, query, errs);
            vocab_unref(fresh);
        }
    }
    vocab_unref(vocab);
    return rc;
}

static bool
names_parameter(const struct violations *errs, const char *name)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strcmp(errs->items[i].pointer, name) == 0)
            return true;
    return false;
}

/* Whether the zone is one PostgreSQL knows; a violation of `tz` when not.
 * Sets *zone_hourly. Returns the store's status (STORE_OK for an unknown
 * zone too: that is the caller's mistake, now in errs). */
static enum store_status
check_zone(struct db_conn *conn, struct trend_query *query, struct violations *errs,
           bool *zone_hourly)
{
    long              utc_offset_s = 0;
    enum store_status status;

    *zone_hourly = false;
    if (query->route == TREND_ROUTE_LOOKUP || names_parameter(errs, "tz"))
        return STORE_OK;
    status = trends_store_zone(conn, query->tz, &utc_offset_s);
    if (status == STORE_NOT_FOUND) {
        violations_add(errs, "tz", "unknown_code",
                       "is not a time zone name this service knows (IANA, e.g. Asia/Shanghai)");
        return STORE_OK;
    }
    *zone_hourly = status == STORE_OK && trend_query_zone_hourly(query->tz, utc_offset_s);
    return status;
}

/* Whether the Accept field prefers text/csv to JSON (q values as in
 * RFC 9110; JSON wins a tie and when neither is named). */
static bool
wants_csv(const char *accept)
{
    char  *copy = accept != NULL ? strdup(accept) : NULL;
    char  *rest = copy;
    char  *item;
    double csv = 0.0, json = 0.0;

    while (rest != NULL && (item = strsep(&rest, ",")) != NULL) {
        char  *params = item;
        char  *type = strsep(&params, ";");
        double q = 1.0;
        char  *at;

        type += strspn(type, " \t");
        type[strcspn(type, " \t")] = '\0';
        if (params != NULL && (at = strstr(params, "q=")) != NULL)
            q = strtod(at + 2, NULL);
        if (strcasecmp(type, "text/csv") == 0 || strcasecmp(type, "text/*") == 0)
            csv = q > csv ? q : csv;
        else if (strcasecmp(type, "application/json") == 0
                 || strcasecmp(type, "application/*") == 0 || strcmp(type, "*/*") == 0)
            json = q > json ? q : json;
    }
    free(copy);
    return csv > json;
}

/* Reads the request; the connection is already held. */
static int
answer_read(struct request *req, struct response *resp, struct db_conn *conn,
            enum trend_route route, struct trends_answer *answer)
{
    struct violations errs;
    bool              zone_hourly;
    enum store_status status;

    parse_query(req, conn, route, &answer->query, &errs);
    status = check_zone(conn, &answer->query, &errs, &zone_hourly);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        return -1;
    }
    if (errs.count + errs.dropped > 0) {
        respond_invalid_query(resp, req, &errs);
        return -1;
    }
    answer->source = trend_query_source(&answer->query, zone_hourly);
    status = route == TREND_ROUTE_SERIES
                 ? trends_store_series(conn, &answer->query, answer->source, &answer->grid)
                 : trends_store_read(conn, &answer->query, answer->source, &answer->data);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        return -1;
    }
    return 0;
}

int
trends_answer_read(struct request *req, struct response *resp, enum trend_route route,
                   struct trends_answer *answer)
{
    struct app     *app = req->app;
    struct db_conn *conn = db_acquire(app->db);
    int             rc;

    memset(answer, 0, sizeof(*answer));
    /* Role 0 (no admission) is treated like public: hidden. */
    answer->suppress = access_counts_suppressed(req);
    answer->k = app->cfg->trend_k;
    answer->csv = wants_csv(MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                        MHD_HTTP_HEADER_ACCEPT));
    if (conn == NULL) {
        respond_unavailable(resp, req);
        return -1;
    }
    rc = answer_read(req, resp, conn, route, answer);
    db_release(app->db, conn);
    return rc;
}

/* ---- shaping numbers --------------------------------------------------------- */

/* Whether a count is hidden from this caller. */
static bool
hides(const struct trends_answer *answer, json_int_t count)
{
    return answer->suppress && trend_suppress_hides(count, answer->k);
}

/* Whether a loss in one currency of the store ({"amount", "victims"}) is
 * hidden from this caller: fewer than k victims lost money in it. */
static bool
loss_hidden(const struct trends_answer *answer, const json_t *money)
{
    return hides(answer, json_integer_value(json_object_get(money, "victims")));
}

json_t *
trends_count(json_int_t count, const struct trends_answer *answer, bool *hidden)
{
    if (hides(answer, count)) {
        *hidden = true;
        return json_null();
    }
    return json_integer(count);
}

json_t *
trends_loss(json_t *loss, const struct trends_answer *answer, bool *hidden)
{
    json_t     *out = json_object();
    const char *currency;
    json_t     *money;

    json_object_foreach(loss, currency, money) {
        bool gone = loss_hidden(answer, money);

        *hidden |= gone;
        json_object_set_new(out, currency,
                            gone ? json_null()
                                 : json_integer(json_integer_value(
                                       json_object_get(money, "amount"))));
    }
    return out;
}

/* (now - before) / before into *ratio; false when there is none: before
 * is hidden (a change next to a visible count would give the hidden one
 * away) or 0. */
static bool
change_ratio(json_int_t now, json_int_t before, bool before_hidden, double *ratio)
{
    if (before_hidden || before == 0)
        return false;
    *ratio = (double)(now - before) / (double)before;
    return true;
}

/* The change from previous to current; null when either is hidden or
 * previous is 0. New reference. */
static json_t *
change(const json_t *current, const json_t *previous)
{
    double ratio;

    if (!json_is_integer(current)
        || !change_ratio(json_integer_value(current), json_integer_value(previous),
                         !json_is_integer(previous), &ratio))
        return json_null();
    return json_real(ratio);
}

/* A number field of CSV: an integer, a real, or empty for null. */
static void
csv_number(struct csv *csv, const json_t *value)
{
    char text[32];

    if (json_is_integer(value)) {
        csv_int(csv, json_integer_value(value));
    } else if (json_is_real(value)) {
        snprintf(text, sizeof(text), "%.17g", json_real_value(value));
        csv_field(csv, text);
    } else {
        csv_field(csv, NULL);
    }
}

void
trends_csv_currencies(json_t *currencies, json_t *loss)
{
    const char *code;
    json_t     *amount;

    json_object_foreach(loss, code, amount) {
        size_t at = 0;

        while (at < json_array_size(currencies)
               && strcmp(json_string_value(json_array_get(currencies, at)), code) < 0)
            at++;
        if (at == json_array_size(currencies)
            || strcmp(json_string_value(json_array_get(currencies, at)), code) != 0)
            json_array_insert_new(currencies, at, json_string(code));
    }
}

void
trends_csv_loss(struct csv *csv, const json_t *currencies, const json_t *loss)
{
    size_t  i;
    json_t *code;

    json_array_foreach(currencies, i, code)
        csv_number(csv, json_object_get(loss, json_string_value(code)));
}

/* "loss_CNY", ... after the fixed header fields. */
static void
csv_loss_header(struct csv *csv, const json_t *currencies)
{
    size_t  i;
    json_t *code;

    json_array_foreach(currencies, i, code) {
        char name[16];

        snprintf(name, sizeof(name), "loss_%s", json_string_value(code));
        csv_field(csv, name);
    }
}

/* X-Trend-Source: what answered. */
static void
trends_source_header(struct response *resp, const struct trends_answer *answer)
{
    respond_header(resp, "X-Trend-Source", "%s",
                   answer->source == TREND_SOURCE_BASE ? "base" : "rollup");
}

void
trends_answer_send(struct response *resp, const struct trends_answer *answer, json_t *body,
                   struct csv *csv)
{
    if (body == NULL)
        return;
    if (answer->csv) {
        size_t len = 0;
        char  *text = csv_take(csv, &len);

        json_decref(body);
        if (text == NULL)
            return;
        respond_text(resp, 200, CSV_MEDIA_TYPE, text, len);
    } else {
        respond_json(resp, 200, body);
    }
    trends_source_header(resp, answer);
}

/* ---- series --------------------------------------------------------------- */

/* The cells of a series this caller may not see: one row per bucket, the
 * bucket's total in column 0, each value after it. Fills hidden (buckets
 * x (1 + values)). */
static void
series_hide(const struct trends_answer *answer, const struct trend_grid *grid, bool *hidden)
{
    struct trend_table table = {grid->buckets, 1 + grid->values, grid->count, hidden, 0,
                                TREND_SUPPRESS_NONE};

    if (answer->suppress)
        trend_suppress_table(&table, answer->k);
}

/* Writes a cell: its metric, or null when hidden. */
static void
put_cell(FILE *out, const struct trend_grid *grid, size_t at, bool hidden)
{
    if (hidden)
        fputs("null", out);
    else
        decimal_write(out, grid->metric[at]);
}

/* One bucket of the answer: {"start", "total", "values": {name: metric}
 * (with a breakdown), "suppressed": true (when a cell is hidden)}. */
static int
put_bucket(FILE *out, const struct trends_answer *answer, const struct trend_grid *grid,
           size_t b, const bool *hidden)
{
    size_t width = 1 + grid->values, row = b * width;
    bool   any = hidden[row];

    fputs("{\"start\":", out);
    if (jsonstr_write(out, grid->starts[b]) != 0)
        return -1;
    fputs(",\"total\":", out);
    put_cell(out, grid, row, hidden[row]);
    if (answer->query.by != TREND_DIM_TOTAL) {
        fputs(",\"values\":{", out);
        for (size_t v = 0; v < grid->values; v++) {
            if (v > 0)
                fputc(',', out);
            if (jsonstr_write(out, grid->names[v]) != 0)
                return -1;
            fputc(':', out);
            put_cell(out, grid, row + 1 + v, hidden[row + 1 + v]);
            any |= hidden[row + 1 + v];
        }
        fputc('}', out);
    }
    fputs(any ? ",\"suppressed\":true}" : "}", out);
    return 0;
}

/* The fields before the buckets: metric, interval, tz, from, to, by (with
 * a breakdown) and currency (of a loss), as an object's first members. */
static int
put_series_head(FILE *out, const struct trend_query *q)
{
    json_t *head = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "metric",
                             trend_query_metric_name(q->metric), "interval",
                             trend_query_interval_name(q->interval), "tz", q->tz, "from",
                             q->from, "to", q->to, "by",
                             q->by == TREND_DIM_TOTAL ? NULL : trend_query_dim_name(q->by),
                             "currency", q->metric == TREND_METRIC_LOSS ? q->currency : NULL);
    char   *text = head != NULL ? json_dumps(head, JSON_COMPACT) : NULL;
    size_t  len = text != NULL ? strlen(text) : 0;

    /* All but the closing brace: the buckets follow. */
    if (len >= 2)
        fwrite(text, 1, len - 1, out);
    json_decref(head);
    free(text);
    return len >= 2 ? 0 : -1;
}

/* The JSON answer, written straight as text (a series has thousands of
 * cells: a JSON value for each, then its text, cost more than the query):
 * {"metric", "interval", "tz", "from", "to", "by", "currency", "buckets":
 * [...]}. Returns the text (caller frees) and its length in *len, NULL
 * when out of memory. */
static char *
series_json(const struct trends_answer *answer, const bool *hidden, size_t *len)
{
    const struct trend_grid *grid = answer->grid;
    char                    *text = NULL;
    FILE                    *out = decimal_stream_open(&text, len);
    int                      rc = out != NULL ? put_series_head(out, &answer->query) : -1;

    if (rc == 0)
        fputs(",\"buckets\":[", out);
    for (size_t b = 0; rc == 0 && b < grid->buckets; b++) {
        if (b > 0)
            fputc(',', out);
        rc = put_bucket(out, answer, grid, b, hidden);
    }
    if (rc == 0)
        fputs("]}", out);
    if (out != NULL && ferror(out) != 0)
        rc = -1;
    if (out != NULL && fclose(out) != 0)
        rc = -1;
    if (rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* start,total,<value>...: one record per bucket; a hidden number is an
 * empty field. */
static void
series_csv(struct csv *csv, const struct trend_grid *grid, const bool *hidden)
{
    size_t width = 1 + grid->values;

    csv_field(csv, "start");
    csv_field(csv, "total");
    for (size_t v = 0; v < grid->values; v++)
        csv_field(csv, grid->names[v]);
    csv_end_record(csv);
    for (size_t b = 0; b < grid->buckets; b++) {
        csv_field(csv, grid->starts[b]);
        for (size_t c = 0; c < width; c++) {
            if (hidden[b * width + c])
                csv_field(csv, NULL);
            else
                csv_int(csv, grid->metric[b * width + c]);
        }
        csv_end_record(csv);
    }
}

static void
respond_too_many(struct response *resp, const struct request *req,
                 const struct trend_grid *grid)
{
    struct violations errs;

    violations_init(&errs);
    violations_add(&errs, "by", "too_many_cells",
                   "gives %zu buckets x %zu values; at most %d: choose a longer interval, a "
                   "shorter range or a filter",
                   grid->buckets, grid->values, TREND_QUERY_CELLS_MAX);
    respond_invalid_query(resp, req, &errs);
}

void
trends_answer_route(struct request *req, struct response *resp, enum trend_route route,
                    trends_body_fn body_of, trends_csv_fn csv_of)
{
    struct trends_answer answer;
    struct csv           csv = {0};
    json_t              *body = NULL;

    if (trends_answer_read(req, resp, route, &answer) != 0)
        goto out;
    body = body_of(&answer);
    if (body == NULL || (answer.csv && csv_init(&csv) != 0))
        goto out;
    if (answer.csv)
        csv_of(&csv, body);
    trends_answer_send(resp, &answer, body, &csv);
    body = NULL;
out:
    json_decref(body);
    json_decref(answer.data);
    csv_free(&csv);
}

/* The series as CSV or JSON text; NULL when out of memory. */
static char *
series_text(const struct trends_answer *answer, const bool *hidden, size_t *len)
{
    struct csv csv = {0};
    char      *text = NULL;

    if (!answer->csv)
        return series_json(answer, hidden, len);
    if (csv_init(&csv) == 0) {
        series_csv(&csv, answer->grid, hidden);
        text = csv_take(&csv, len);
    }
    csv_free(&csv);
    return text;
}

void
trends_series(struct request *req, struct response *resp)
{
    struct trends_answer answer;
    bool                *hidden = NULL;
    char                *text;
    size_t               len = 0;

    if (trends_answer_read(req, resp, TREND_ROUTE_SERIES, &answer) != 0)
        goto out;
    if (answer.grid->too_many) {
        respond_too_many(resp, req, answer.grid);
        goto out;
    }
    hidden = calloc(answer.grid->buckets * (1 + answer.grid->values) + 1, sizeof(*hidden));
    if (hidden == NULL)
        goto out;
    series_hide(&answer, answer.grid, hidden);
    text = series_text(&answer, hidden, &len);
    if (text != NULL) {
        respond_text(resp, 200, answer.csv ? CSV_MEDIA_TYPE : "application/json", text, len);
        trends_source_header(resp, &answer);
    }
out:
    free(hidden);
    trend_grid_free(answer.grid);
}

/* ---- top ------------------------------------------------------------------ */

/* A listed value as this caller sees it. Written straight as JSON text or
 * CSV from the store's item (building the answer as JSON values and then
 * its text was a third of the service's time for a top 100). */
struct top_shown {
    const json_t *item;
    json_int_t    reports, previous;
    /* previous_reports is hidden; some loss or count is (suppressed). */
    bool          previous_hidden, suppressed;
};

/* Shapes a store item; false when the value is under k for this caller
 * and left out. */
static bool
top_shape(const struct trends_answer *answer, const json_t *item, struct top_shown *shown)
{
    const char *currency;
    json_t     *money;

    shown->item = item;
    shown->reports = json_integer_value(json_object_get(item, "reports"));
    shown->previous = json_integer_value(json_object_get(item, "previous_reports"));
    if (hides(answer, shown->reports))
        return false;
    shown->previous_hidden = hides(answer, shown->previous);
    shown->suppressed = shown->previous_hidden;
    json_object_foreach(json_object_get(item, "loss"), currency, money)
        shown->suppressed |= loss_hidden(answer, money);
    return true;
}

/* A member of the store's item (value, first_seen, last_seen), or null
 * when it has none. */
static int
put_member(FILE *out, const json_t *item, const char *key)
{
    const json_t *value = json_object_get(item, key);

    if (value == NULL) {
        fputs("null", out);
        return 0;
    }
    return json_dumpf(value, out, JSON_ENCODE_ANY);
}

/* The change as jansson writes a real, or null (change_ratio). */
static int
put_change(FILE *out, const struct top_shown *shown)
{
    double  ratio;
    json_t *real;
    int     rc;

    if (!change_ratio(shown->reports, shown->previous, shown->previous_hidden, &ratio)) {
        fputs("null", out);
        return 0;
    }
    real = json_real(ratio);
    rc = real != NULL ? json_dumpf(real, out, JSON_ENCODE_ANY) : -1;
    json_decref(real);
    return rc;
}

/* {"value", "reports", "loss": {"CNY": amount or null}, "previous_reports",
 * "change", "first_seen", "last_seen", "suppressed": true when a number
 * is hidden}. */
static int
put_top_item(FILE *out, const struct trends_answer *answer, const struct top_shown *shown)
{
    const char *currency;
    json_t     *money;
    bool        first = true;
    int         rc = 0;

    fputs("{\"value\":", out);
    rc |= put_member(out, shown->item, "value");
    fprintf(out, ",\"reports\":%" JSON_INTEGER_FORMAT ",\"loss\":{", shown->reports);
    /* Currency codes are three capital letters (migrations/0003): nothing
     * to escape. */
    json_object_foreach(json_object_get(shown->item, "loss"), currency, money) {
        fprintf(out, "%s\"%s\":", first ? "" : ",", currency);
        if (loss_hidden(answer, money))
            fputs("null", out);
        else
            decimal_write(out, json_integer_value(json_object_get(money, "amount")));
        first = false;
    }
    fputs("},\"previous_reports\":", out);
    if (shown->previous_hidden)
        fputs("null", out);
    else
        decimal_write(out, shown->previous);
    fputs(",\"change\":", out);
    rc |= put_change(out, shown);
    fputs(",\"first_seen\":", out);
    rc |= put_member(out, shown->item, "first_seen");
    fputs(",\"last_seen\":", out);
    rc |= put_member(out, shown->item, "last_seen");
    fputs(shown->suppressed ? ",\"suppressed\":true}" : "}", out);
    return rc;
}

/* {"kind", "from", "to", "limit", "items": [...], "suppressed_rows": how
 * many values were left out (suppressed answers only)}. */
static int
top_json(FILE *out, const struct trends_answer *answer)
{
    const struct trend_query *q = &answer->query;
    size_t                    i, omitted = 0;
    json_t                   *item;
    int                       rc = 0;
    bool                      first = true;

    fprintf(out, "{\"kind\":\"%s\",\"from\":", trend_query_kind_name(q->kind));
    rc |= jsonstr_write(out, q->from);
    fputs(",\"to\":", out);
    rc |= jsonstr_write(out, q->to);
    fprintf(out, ",\"limit\":%u,\"items\":[", q->limit);
    json_array_foreach(json_object_get(answer->data, "items"), i, item) {
        struct top_shown shown;

        if (!top_shape(answer, item, &shown)) {
            omitted++;
            continue;
        }
        if (!first)
            fputc(',', out);
        rc |= put_top_item(out, answer, &shown);
        first = false;
    }
    fputc(']', out);
    if (answer->suppress)
        fprintf(out, ",\"suppressed_rows\":%zu", omitted);
    fputc('}', out);
    return rc;
}

/* value,reports,previous_reports,change,first_seen,last_seen,loss_<CUR>...
 * for every currency of a shown value, in order; a hidden number is an
 * empty field. */
static void
top_csv(struct csv *csv, const struct trends_answer *answer)
{
    static const char *const header[] = {"value", "reports", "previous_reports", "change",
                                         "first_seen", "last_seen"};
    const json_t            *items = json_object_get(answer->data, "items");
    json_t                  *currencies = json_array();
    struct top_shown         shown;
    size_t                   i, c;
    json_t                  *item, *code;

    json_array_foreach(items, i, item)
        if (top_shape(answer, item, &shown))
            trends_csv_currencies(currencies, json_object_get(item, "loss"));
    for (i = 0; i < sizeof(header) / sizeof(header[0]); i++)
        csv_field(csv, header[i]);
    csv_loss_header(csv, currencies);
    csv_end_record(csv);
    json_array_foreach(items, i, item) {
        char   change[32] = "";
        double ratio;

        if (!top_shape(answer, item, &shown))
            continue;
        if (change_ratio(shown.reports, shown.previous, shown.previous_hidden, &ratio))
            snprintf(change, sizeof(change), "%.17g", ratio);
        csv_field(csv, json_string_value(json_object_get(item, "value")));
        csv_int(csv, shown.reports);
        if (shown.previous_hidden)
            csv_field(csv, NULL);
        else
            csv_int(csv, shown.previous);
        csv_field(csv, change);
        csv_field(csv, json_string_value(json_object_get(item, "first_seen")));
        csv_field(csv, json_string_value(json_object_get(item, "last_seen")));
        json_array_foreach(currencies, c, code) {
            json_t *money = json_object_get(json_object_get(item, "loss"), json_string_value(code));

            if (money == NULL || loss_hidden(answer, money))
                csv_field(csv, NULL);
            else
                csv_int(csv, json_integer_value(json_object_get(money, "amount")));
        }
        csv_end_record(csv);
    }
    json_decref(currencies);
}

/* The list as CSV or JSON text; NULL when out of memory. */
static char *
top_text(const struct trends_answer *answer, size_t *len)
{
    struct csv csv = {0};
    char      *text = NULL;
    FILE      *out;
    int        rc;

    if (answer->csv) {
        if (csv_init(&csv) == 0) {
            top_csv(&csv, answer);
            text = csv_take(&csv, len);
        }
        csv_free(&csv);
        return text;
    }
    out = decimal_stream_open(&text, len);
    if (out == NULL)
        return NULL;
    rc = top_json(out, answer);
    if (ferror(out) != 0)
        rc = -1;
    if (fclose(out) != 0 || rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void
trends_top(struct request *req, struct response *resp)
{
    struct trends_answer answer;
    char                *text;
    size_t               len = 0;

    if (trends_answer_read(req, resp, TREND_ROUTE_TOP, &answer) != 0)
        goto out;
    text = top_text(&answer, &len);
    if (text != NULL) {
        respond_text(resp, 200, answer.csv ? CSV_MEDIA_TYPE : "application/json", text, len);
        trends_source_header(resp, &answer);
    }
out:
    json_decref(answer.data);
}

/* ---- funnel --------------------------------------------------------------- */

/* Per stage, reports that got at least that far and their share of the
 * first stage's. Counts only fall along the funnel, so a hidden count
 * cannot be told from the visible ones; a share is hidden with its count,
 * and all shares with the first count (a share and its count give it). */
static json_t *
funnel_body(const struct trends_answer *answer)
{
    const json_t *stages = json_object_get(answer->data, "stages");
    json_int_t    first = json_integer_value(json_object_get(json_array_get(stages, 0), "reached"));
    bool          first_hidden = hides(answer, first);
    json_t       *list = json_array();
    size_t        i;
    json_t       *stage;

    json_array_foreach(stages, i, stage) {
        json_int_t reached = json_integer_value(json_object_get(stage, "reached"));
        bool       hidden = false;
        json_t    *shown = trends_count(reached, answer, &hidden);
        json_t    *out = json_pack("{s:O, s:o, s:o}", "stage", json_object_get(stage, "stage"),
                                   "reached", shown, "share",
                                   hidden || first_hidden || first == 0
                                       ? json_null()
                                       : json_real((double)reached / (double)first));

        if (out != NULL && hidden)
            json_object_set_new(out, "suppressed", json_true());
        json_array_append_new(list, out);
    }
    return json_pack("{s:s, s:s, s:o}", "from", answer->query.from, "to", answer->query.to,
                     "stages", list);
}

static void
funnel_csv(struct csv *csv, const json_t *body)
{
    size_t  i;
    json_t *stage;

    csv_field(csv, "stage");
    csv_field(csv, "reached");
    csv_field(csv, "share");
    csv_end_record(csv);
    json_array_foreach(json_object_get(body, "stages"), i, stage) {
        csv_field(csv, json_string_value(json_object_get(stage, "stage")));
        csv_number(csv, json_object_get(stage, "reached"));
        csv_number(csv, json_object_get(stage, "share"));
        csv_end_record(csv);
    }
}

void
trends_funnel(struct request *req, struct response *resp)
{
    trends_answer_route(req, resp, TREND_ROUTE_FUNNEL, funnel_body, funnel_csv);
}

/* ---- summary -------------------------------------------------------------- */

static json_t *
summary_period(const struct trends_answer *answer, const json_t *period)
{
    bool    hidden = false;
    json_t *out = json_pack(
        "{s:o, s:o, s:o}", "reports",
        trends_count(json_integer_value(json_object_get(period, "reports")), answer, &hidden),
        "victims_with_loss",
        trends_count(json_integer_value(json_object_get(period, "victims_with_loss")), answer,
                     &hidden),
        "loss", trends_loss(json_object_get(period, "loss"), answer, &hidden));

    if (out != NULL && hidden)
        json_object_set_new(out, "suppressed", json_true());
    return out;
}

/* The change of every number from the previous period to the current. */
static json_t *
summary_change(json_t *current, json_t *previous)
{
    json_t     *loss = json_object();
    const char *code;
    json_t     *amount;

    json_object_foreach(json_object_get(current, "loss"), code, amount)
        json_object_set_new(loss, code,
                            change(amount, json_object_get(json_object_get(previous, "loss"),
                                                           code)));
    return json_pack("{s:o, s:o, s:o}", "reports",
                     change(json_object_get(current, "reports"),
                            json_object_get(previous, "reports")),
                     "victims_with_loss",
                     change(json_object_get(current, "victims_with_loss"),
                            json_object_get(previous, "victims_with_loss")),
                     "loss", loss);
}

/* from - (to - from) as RFC 3339 UTC, to the microsecond. */
static void
previous_from(const struct trend_query *q, char *out, size_t size)
{
    int64_t   us = 2 * ((int64_t)q->from_s * 1000000 + q->from_us)
                 - ((int64_t)q->to_s * 1000000 + q->to_us);
    int64_t   s = us / 1000000 - (us % 1000000 < 0);
    int64_t   frac = us - s * 1000000;
    time_t    t = (time_t)s;
    struct tm tm;
    size_t    len;

    gmtime_r(&t, &tm);
    len = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + len, size - len, frac != 0 ? ".%06lldZ" : "Z", (long long)frac);
}

static json_t *
summary_body(const struct trends_answer *answer)
{
    const struct trend_query *q = &answer->query;
    json_t *current = summary_period(answer, json_object_get(answer->data, "current"));
    json_t *previous = summary_period(answer, json_object_get(answer->data, "previous"));
    char    before[48];
    json_t *out;

    previous_from(q, before, sizeof(before));
    out = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:o}", "from", q->from, "to", q->to,
                    "previous_from", before, "previous_to", q->from, "current", current,
                    "previous", previous, "change", summary_change(current, previous));
    json_decref(current);
    json_decref(previous);
    return out;
}

static void
summary_csv(struct csv *csv, const json_t *body)
{
    static const char *const periods[] = {"current", "previous", "change"};
    json_t *currencies = json_array();

    for (size_t i = 0; i < 3; i++)
        trends_csv_currencies(currencies,
                              json_object_get(json_object_get(body, periods[i]), "loss"));
    csv_field(csv, "period");
    csv_field(csv, "reports");
    csv_field(csv, "victims_with_loss");
    csv_loss_header(csv, currencies);
    csv_end_record(csv);
    for (size_t i = 0; i < 3; i++) {
        const json_t *period = json_object_get(body, periods[i]);

        csv_field(csv, periods[i]);
        csv_number(csv, json_object_get(period, "reports"));
        csv_number(csv, json_object_get(period, "victims_with_loss"));
        trends_csv_loss(csv, currencies, json_object_get(period, "loss"));
        csv_end_record(csv);
    }
    json_decref(currencies);
}

void
trends_summary(struct request *req, struct response *resp)
{
    trends_answer_route(req, resp, TREND_ROUTE_SUMMARY, summary_body, summary_csv);
}
