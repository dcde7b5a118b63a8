/*
 * Trend statements: which one a request runs and with which parameters.
 * Each runs in a short transaction of its own; statements over the base
 * tables are planned there with the actual values, as the report list
 * does, so that an absent filter folds away and a given one can use its
 * index.
 */
#include "store/trends_store.h"

#include "domain/trend_cells.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most parameters a trend statement takes (the base series). */
#define TREND_PARAMS_MAX 20

struct zone {
    char *name;
    long  utc_offset_s;
};

/* PostgreSQL's zones, sorted by name; loaded by the first request that
 * needs them and kept for the life of the process. The offsets are those
 * of the moment of loading: they only serve to tell whole-hour zones,
 * which daylight saving time does not change but for the zones that
 * trend_query_zone_hourly denies by name. */
static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zone    *zones;
static size_t          zone_count;

static int
zone_compare(const void *a, const void *b)
{
    return strcmp(((const struct zone *)a)->name, ((const struct zone *)b)->name);
}

/* Reads the list into zones; called with zones_lock held. */
static enum store_status
zones_load(struct db_conn *conn)
{
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_TRENDS_ZONES, NULL, &status);
    size_t            rows = res != NULL ? (size_t)PQntuples(res) : 0;
    struct zone      *list = rows > 0 ? calloc(rows, sizeof(*list)) : NULL;
    size_t            count = 0;

    if (res == NULL)
        return status;
    for (; list != NULL && count < rows; count++) {
        list[count].name = strdup(PQgetvalue(res, (int)count, 0));
        list[count].utc_offset_s = strtol(PQgetvalue(res, (int)count, 1), NULL, 10);
        if (list[count].name == NULL)
            break;
    }
    PQclear(res);
    if (list == NULL || count < rows) {
        for (size_t i = 0; list != NULL && i < count; i++)
            free(list[i].name);
        free(list);
        return STORE_FAILED;
    }
    qsort(list, count, sizeof(*list), zone_compare);
    zones = list;
    zone_count = count;
    return STORE_OK;
}

enum store_status
trends_store_zone(struct db_conn *conn, const char *tz, long *utc_offset_s)
{
    enum store_status  status = STORE_OK;
    struct zone        key = {(char *)(uintptr_t)tz, 0};
    const struct zone *found = NULL;

    pthread_mutex_lock(&zones_lock);
    if (zones == NULL)
        status = zones_load(conn);
    if (status == STORE_OK)
        found = bsearch(&key, zones, zone_count, sizeof(*zones), zone_compare);
    pthread_mutex_unlock(&zones_lock);
    if (status != STORE_OK)
        return status;
    if (found == NULL)
        return STORE_NOT_FOUND;
    *utc_offset_s = found->utc_offset_s;
    return STORE_OK;
}

/* Empty text is an absent filter: SQL NULL. */
static const char *
or_null(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : NULL;
}

/* A rollup's slice: every report, or those of one scam type. */
static const char *
scope(const struct trend_query *query)
{
    return query->filter.scam_type != NULL ? query->filter.scam_type : "";
}

/* $1 from, $2 to, $3 .. $15 the filters, as the base statements take them. */
static void
base_params(const struct trend_query *query, const char **p)
{
    const struct report_filter *f = &query->filter;

    p[0] = query->from;
    p[1] = query->to;
    p[2] = f->source;
    p[3] = f->scam_type;
    p[4] = f->stage;
    p[5] = f->stage_min;
    p[6] = or_null(f->region_exact);
    p[7] = or_null(f->region_low);
    p[8] = or_null(f->region_high);
    p[9] = f->channel;
    p[10] = f->app;
    p[11] = or_null(f->phone_e164);
    p[12] = f->account;
    p[13] = f->station;
    p[14] = f->status;
}

/* Appends to the text at out[*at], never past size (which struct
 * trends_range makes room for). */
static void
text_put(char *out, size_t size, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
text_put(char *out, size_t size, size_t *at, const char *fmt, ...)
{
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(out + *at, size - *at, fmt, ap);
    va_end(ap);
    *at = n < 0 || (size_t)n >= size - *at ? size - 1 : *at + (size_t)n;
}

/* A piece's or read's tier as the statements' types have it: monthly
 * (before yearly) and yearly, 't' or 'f'. */
static char
tier_is(enum trend_tier tier, enum trend_tier is)
{
    return tier == is ? 't' : 'f';
}

static void
pieces_text(int32_t from, int32_t to, enum trend_tier coarsest, char *out, size_t size)
{
    struct trend_piece pieces[TREND_PIECES_MAX];
    size_t             n = trend_pieces_range(from, to, coarsest, pieces), at = 0;
    char               lo[11], hi[11];

    text_put(out, size, &at, "{");
    for (size_t i = 0; i < n; i++) {
        trend_pieces_date(pieces[i].lo, lo);
        trend_pieces_date(pieces[i].hi, hi);
        text_put(out, size, &at, "%s\"(%c,%s,%s,%d,%c)\"", i ? "," : "",
                 tier_is(pieces[i].tier, TREND_TIER_MONTH), lo, hi, pieces[i].sign,
                 tier_is(pieces[i].tier, TREND_TIER_YEAR));
    }
    text_put(out, size, &at, "}");
}

static void
reads_text(int32_t previous_from, int32_t from, int32_t to, enum trend_tier coarsest, char *out,
           size_t size)
{
    struct trend_read reads[TREND_READS_MAX];
    size_t            n = trend_pieces_paired(previous_from, from, to, coarsest, reads), at = 0;
    char              d[4][11];

    text_put(out, size, &at, "{");
    for (size_t i = 0; i < n; i++) {
        const struct trend_read *r = &reads[i];

        trend_pieces_date(r->lo, d[0]);
        trend_pieces_date(r->hi, d[1]);
        trend_pieces_date(r->cut1, d[2]);
        trend_pieces_date(r->cut2, d[3]);
        text_put(out, size, &at, "%s\"(%c,%s,%s,%s,%s,%d,%d,%d,%d,%d,%d,%c)\"", i ? "," : "",
                 tier_is(r->tier, TREND_TIER_MONTH), d[0], d[1], d[2], d[3], r->cur[0],
                 r->prev[0], r->cur[1], r->prev[1], r->cur[2], r->prev[2],
                 tier_is(r->tier, TREND_TIER_YEAR));
    }
    text_put(out, size, &at, "}");
}

void
trends_store_range(int64_t from_s, int64_t to_s, enum trend_tier coarsest,
                   struct trends_range *range)
{
    int32_t from = trend_query_day(from_s), to = trend_query_day(to_s);

    pieces_text(from, to, coarsest, range->pieces, sizeof(range->pieces));
    range->reads[0] = '\0';
    if (coarsest > TREND_TIER_DAY)
        reads_text(trend_query_day(2 * from_s - to_s), from, to, coarsest, range->reads,
                   sizeof(range->reads));
}

static enum statement
series_call(const struct trend_query *query, enum trend_source source, const char **p,
            struct trends_range *range)
{
    const char *settings[5] = {
        query->tz, trend_query_interval_name(query->interval), trend_query_dim_name(query->by),
        query->currency, trend_query_metric_name(query->metric),
    };

    if (source == TREND_SOURCE_BASE) {
        base_params(query, p);
        memcpy(p + 15, settings, sizeof(settings));
        return STMT_TRENDS_SERIES_BASE;
    }
    p[0] = query->from;
    p[1] = query->to;
    memcpy(p + 2, settings, sizeof(settings));
    p[7] = scope(query);
    if (source == TREND_SOURCE_HOURLY)
        return STMT_TRENDS_SERIES_HOURLY;
    trends_store_range(query->from_s, query->to_s,
                       query->interval == TREND_INTERVAL_MONTH ? TREND_TIER_MONTH
                                                               : TREND_TIER_DAY,
                       range);
    p[8] = range->pieces;
    return STMT_TRENDS_SERIES_ROWS;
}

/* The heads TREND_TOP_PRUNED_SQL tries, in rounds, before summing every
 * value: the limit and 10 more (measured on 10 million reports, this
 * proves every list of a month or more, and costs a fifth less than twice
 * the limit), then twice the limit and 10 more, which short ranges need:
 * their counts are small and flat, with many ties. */
#define TOP_HEAD_ROUNDS 2

static void
top_head(const struct trend_query *query, unsigned round, char *head, size_t size)
{
    snprintf(head, size, "%u", (round + 1) * query->limit + 10);
}

/* p[6], the head of a pruned list, is trends_top's. */
static enum statement
top_call(const struct trend_query *query, enum trend_source source, const char **p,
         const char *limit, struct trends_range *range)
{
    bool counties = query->kind == TREND_KIND_REGION && query->filter.scam_type != NULL;

    if (source == TREND_SOURCE_BASE) {
        base_params(query, p);
        p[15] = trend_query_kind_name(query->kind);
        p[16] = limit;
        return STMT_TRENDS_TOP_BASE;
    }
    p[0] = query->from;
    p[1] = query->to;
    p[3] = limit;
    /* Counties of one scam type come from trend_daily, which has no
     * yearly tier; the indicator rollups have one (migrations/0024). */
    trends_store_range(query->from_s, query->to_s,
                       counties ? TREND_TIER_MONTH : TREND_TIER_YEAR, range);
    p[4] = range->pieces;
    p[5] = range->reads;
    p[2] = counties ? scope(query) : trend_query_kind_name(query->kind);
    return counties ? STMT_TRENDS_TOP_REGIONS_DAILY : STMT_TRENDS_TOP_PRUNED;
}

/* Funnel and summary: the same parameters, the stage or total rows. */
static enum statement
range_call(const struct trend_query *query, enum trend_source source, const char **p,
           const enum statement by_source[3])
{
    if (source == TREND_SOURCE_BASE) {
        base_params(query, p);
        return by_source[TREND_SOURCE_BASE];
    }
    p[0] = query->from;
    p[1] = query->to;
    p[2] = scope(query);
    return by_source[source];
}

/* A funnel from the daily rollups reads the range's pieces alone. */
static enum statement
funnel_daily_call(const struct trend_query *query, const char **p, struct trends_range *range)
{
    trends_store_range(query->from_s, query->to_s, TREND_TIER_MONTH, range);
    p[0] = scope(query);
    p[1] = range->pieces;
    return STMT_TRENDS_FUNNEL_DAILY;
}

static enum statement
choose(const struct trend_query *query, enum trend_source source, const char **p,
       const char *limit, struct trends_range *range)
{
    static const enum statement funnel[3] = {
        [TREND_SOURCE_BASE] = STMT_TRENDS_FUNNEL_BASE,
        [TREND_SOURCE_DAILY] = STMT_TRENDS_FUNNEL_DAILY,
        [TREND_SOURCE_HOURLY] = STMT_TRENDS_FUNNEL_HOURLY,
    };
    static const enum statement summary[3] = {
        [TREND_SOURCE_BASE] = STMT_TRENDS_SUMMARY_BASE,
        [TREND_SOURCE_DAILY] = STMT_TRENDS_SUMMARY_DAILY,
        [TREND_SOURCE_HOURLY] = STMT_TRENDS_SUMMARY_HOURLY,
    };

    switch (query->route) {
    case TREND_ROUTE_SERIES:
        return series_call(query, source, p, range);
    case TREND_ROUTE_TOP:
        return top_call(query, source, p, limit, range);
    case TREND_ROUTE_FUNNEL:
        return source == TREND_SOURCE_DAILY ? funnel_daily_call(query, p, range)
                                            : range_call(query, source, p, funnel);
    case TREND_ROUTE_SUMMARY:
        return range_call(query, source, p, summary);
    case TREND_ROUTE_LOOKUP:
        break;
    }
    p[0] = trend_query_kind_name(query->kind);
    p[1] = query->value;
    return STMT_TRENDS_LOOKUP;
}

/* Every statement runs in its own transaction, with settings that end
 * with it (TREND_SETTINGS_SQL): no JIT; for the rollups no parallel
 * workers; a plan made with the values for the base tables and the series
 * (whose plan for any values, measured, ran twice as long), and for the
 * other rollup statements the plan made once for any values (they are
 * long: planning one took longer than running it, and PostgreSQL's own
 * choice kept planning them anew); with hash, no sorting where another
 * plan does without (the top-N statements' sums, see TREND_TOP_SUMS). The
 * plan made once keeps the settings of its first run, so a statement
 * always runs with the same. */
static enum store_status
trends_begin(struct db_conn *conn, bool base, bool generic, bool hash)
{
    const char       *settings[3] = {generic ? "force_generic_plan" : "force_custom_plan",
                                     base ? NULL : "0", hash ? "off" : NULL};
    enum store_status status = db_begin(conn);

    if (status == STORE_OK)
        PQclear(db_run(conn, STMT_TRENDS_SETTINGS, settings, &status));
    return status;
}

/* Column col of row i as text, or NULL when it is NULL. */
static const char *
text_or_null(const PGresult *res, int i, int col)
{
    return PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
}

/* Column col of row i, or `same` when it is NULL (TREND_SERIES_ROWS_SQL's
 * metric and count of the reports metric). */
static long long
counter_or(const PGresult *res, int i, int col, long long same)
{
    return PQgetisnull(res, i, col) ? same : strtoll(PQgetvalue(res, i, col), NULL, 10);
}

/* The cell rows (kind 1) of a series statement into cells, their buckets
 * found from the buckets' first days when by_day (see series_grid).
 * Returns how many. Borrows res and firsts. */
static size_t
series_cells(const PGresult *res, const int64_t *firsts, size_t buckets, bool by_day,
             struct trend_cell *cells)
{
    int    rows = PQntuples(res);
    size_t count = 0;

    for (int i = 0; i < rows; i++) {
        long long n = strtoll(PQgetvalue(res, i, 1), NULL, 10);

        if (PQgetvalue(res, i, 0)[0] == '0')
            continue;
        cells[count].bucket = by_day ? trend_cells_bucket_of(firsts, buckets, n) : (size_t)n;
        cells[count].value = text_or_null(res, i, 2);
        cells[count].reports = strtoll(PQgetvalue(res, i, 3), NULL, 10);
        cells[count].metric = counter_or(res, i, 4, cells[count].reports);
        cells[count].count = counter_or(res, i, 5, cells[count].reports);
        count++;
    }
    return count;
}

/* The rows of a series statement (TREND_SERIES_TAIL: kind, n, text,
 * reports, metric, count; the cells' rows may be several per cell, as
 * TREND_SERIES_ROWS_SQL answers them, and trend_cells_grid adds them up)
 * as the table of trend_cells_grid. by_day: the rows count days, not
 * buckets (TREND_SERIES_ROWS_SQL). NULL when they are not of that shape
 * or memory runs out. Borrows res. */
static struct trend_grid *
series_grid(const PGresult *res, bool by_day)
{
    int                rows = PQntuples(res);
    size_t             buckets = 0;
    const char       **starts;
    int64_t           *firsts;
    struct trend_cell *cells;
    struct trend_grid *out = NULL;

    for (int i = 0; i < rows; i++) {
        const char *kind = PQgetvalue(res, i, 0);

        if (kind[0] == '2')
            return trend_cells_too_many(strtoull(PQgetvalue(res, i, 1), NULL, 10),
                                        strtoull(PQgetvalue(res, i, 3), NULL, 10));
        buckets += kind[0] == '0';
    }
    starts = calloc(buckets + 1, sizeof(*starts));
    firsts = calloc(buckets + 1, sizeof(*firsts));
    cells = calloc((size_t)rows - buckets + 1, sizeof(*cells));
    for (int i = 0; starts != NULL && firsts != NULL && i < rows; i++) {
        size_t n = strtoull(PQgetvalue(res, i, 1), NULL, 10);

        if (PQgetvalue(res, i, 0)[0] == '0' && n < buckets) {
            starts[n] = PQgetvalue(res, i, 2);
            firsts[n] = counter_or(res, i, 3, 0);
        }
    }
    if (starts != NULL && firsts != NULL && cells != NULL)
        out = trend_cells_grid(starts, buckets, cells,
                               series_cells(res, firsts, buckets, by_day, cells),
                               TREND_QUERY_CELLS_MAX);
    free(starts);
    free(firsts);
    free(cells);
    return out;
}

/* A value's loss in one currency, as TREND_TOP_LOSS writes it. */
struct top_loss_entry {
    char      currency[8];
    long long amount;
    long long victims;
};

static int
top_loss_order(const void *a, const void *b)
{
    return strcmp(((const struct top_loss_entry *)a)->currency,
                  ((const struct top_loss_entry *)b)->currency);
}

/* Reads "CUR amount victims" at *at into *entry and moves *at past it and
 * the space after. Returns 0, or -1 when the text is not of that shape. */
static int
top_loss_read(const char **at, struct top_loss_entry *entry)
{
    size_t len = strcspn(*at, " ");
    char  *end;

    if (len == 0 || len >= sizeof(entry->currency) || (*at)[len] != ' ')
        return -1;
    memcpy(entry->currency, *at, len);
    entry->currency[len] = '\0';
    errno = 0;
    entry->amount = strtoll(*at + len + 1, &end, 10);
    if (*end != ' ' || errno != 0)
        return -1;
    entry->victims = strtoll(end + 1, &end, 10);
    if ((*end != ' ' && *end != '\0') || errno != 0)
        return -1;
    *at = *end == ' ' ? end + 1 : end;
    return 0;
}

/* A listed value's losses (TREND_TOP_LOSS; NULL for none) as
 * {"CUR": {"amount": .., "victims": ..}}, currencies in order. NULL when
 * the text is not of that shape or memory runs out. */
static json_t *
top_loss(const char *text)
{
    const char            *at = text;
    size_t                 words = 1, count = 0;
    struct top_loss_entry *entries;
    json_t                *loss = json_object();

    if (text == NULL || loss == NULL)
        return loss;
    for (const char *c = text; *c != '\0'; c++)
        words += *c == ' ';
    entries = words % 3 == 0 ? calloc(words / 3, sizeof(*entries)) : NULL;
    while (entries != NULL && *at != '\0' && top_loss_read(&at, &entries[count]) == 0)
        count++;
    if (entries != NULL && *at == '\0' && count == words / 3) {
        qsort(entries, count, sizeof(*entries), top_loss_order);
        for (size_t i = 0; loss != NULL && i < count; i++) {
            json_t *one = json_pack("{s:I, s:I}", "amount", (json_int_t)entries[i].amount,
                                    "victims", (json_int_t)entries[i].victims);

            if (json_object_set_new(loss, entries[i].currency, one) != 0) {
                json_decref(loss);
                loss = NULL;
            }
        }
    } else {
        json_decref(loss);
        loss = NULL;
    }
    free(entries);
    return loss;
}

/* The rows of a top-N statement (TREND_TOP_ROWS: value, reports,
 * previous_reports, loss, first_seen, last_seen) as {"items": [...]},
 * items in their order. NULL when memory runs out or a loss is not of its
 * shape. Borrows res. */
static json_t *
top_items(const PGresult *res)
{
    json_t *items = json_array();
    int     rows = PQntuples(res);

    for (int i = 0; items != NULL && i < rows; i++) {
        json_t *item = json_pack(
            "{s:s, s:I, s:I, s:o, s:s?, s:s?}", "value", PQgetvalue(res, i, 0), "reports",
            (json_int_t)strtoll(PQgetvalue(res, i, 1), NULL, 10), "previous_reports",
            (json_int_t)strtoll(PQgetvalue(res, i, 2), NULL, 10), "loss",
            top_loss(text_or_null(res, i, 3)), "first_seen", text_or_null(res, i, 4),
            "last_seen", text_or_null(res, i, 5));

        if (json_array_append_new(items, item) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    return items != NULL ? json_pack("{s:o}", "items", items) : NULL;
}

/* Runs a top-N statement into *out; STORE_NOT_FOUND when it could not
 * prove its answer (TREND_TOP_ROWS: a row of NULLs). */
static enum store_status
top_run(struct db_conn *conn, enum statement id, const char **params, json_t **out)
{
    enum store_status status;
    PGresult         *res = db_run(conn, id, params, &status);

    if (res == NULL)
        return status;
    if (PQntuples(res) == 1 && PQgetisnull(res, 0, 0))
        status = STORE_NOT_FOUND;
    else if ((*out = top_items(res)) == NULL)
        status = STORE_FAILED;
    PQclear(res);
    return status;
}

/* A top-N list: a pruned one tries each round's head in params[6] until
 * one proves its answer; if none does, summing every value answers, with
 * the same parameters. */
static enum store_status
trends_top(struct db_conn *conn, const struct trend_query *query, enum statement id,
           const char **params, json_t **out)
{
    enum store_status status = STORE_NOT_FOUND;
    char              head[16];

    if (id != STMT_TRENDS_TOP_PRUNED)
        return top_run(conn, id, params, out);
    params[6] = head;
    for (unsigned round = 0; status == STORE_NOT_FOUND && round < TOP_HEAD_ROUNDS; round++) {
        top_head(query, round, head, sizeof(head));
        status = top_run(conn, STMT_TRENDS_TOP_PRUNED, params, out);
    }
    if (status == STORE_NOT_FOUND)
        status = top_run(conn, STMT_TRENDS_TOP_DAILY, params, out);
    return status;
}

/* Whether a TREND_SERIES_ROWS_SQL answer was cut at its most rows. */
static bool
series_cut(const PGresult *res)
{
    int rows = PQntuples(res), cells = 0;

    for (int i = 0; i < rows; i++)
        cells += PQgetvalue(res, i, 0)[0] == '1';
    return cells > TREND_SERIES_ROWS_MAX;
}

/* Runs a series statement into *out. A series of more rollup rows than
 * the rows statement answers is summed by the statement that counts its
 * cells, with the same parameters. */
static enum store_status
trends_series(struct db_conn *conn, enum statement id, const char **params,
              struct trend_grid **out)
{
    enum store_status status;
    PGresult         *res = db_run(conn, id, params, &status);

    if (res != NULL && id == STMT_TRENDS_SERIES_ROWS && series_cut(res)) {
        PQclear(res);
        id = STMT_TRENDS_SERIES_DAILY;
        res = db_run(conn, id, params, &status);
    }
    if (res == NULL)
        return status;
    *out = series_grid(res, id == STMT_TRENDS_SERIES_ROWS);
    PQclear(res);
    return *out != NULL ? STORE_OK : STORE_FAILED;
}

/* Runs the route's statement in its own transaction: into *grid for a
 * series, *json for the others (the other NULL). */
static enum store_status
trends_exec(struct db_conn *conn, const struct trend_query *query, enum trend_source source,
            json_t **json, struct trend_grid **grid)
{
    const char       *params[TREND_PARAMS_MAX] = {0};
    char              limit[16];
    struct trends_range range;
    bool              base = source == TREND_SOURCE_BASE;
    enum statement    id;
    enum store_status status;

    snprintf(limit, sizeof(limit), "%u", query->limit);
    id = choose(query, source, params, limit, &range);
    status = trends_begin(conn, base, !base && grid == NULL,
                          !base && query->route == TREND_ROUTE_TOP);
    if (status == STORE_OK)
        status = grid != NULL                       ? trends_series(conn, id, params, grid)
               : query->route == TREND_ROUTE_TOP ? trends_top(conn, query, id, params, json)
                                                   : db_run_json(conn, id, params, json);
    if (status == STORE_OK)
        status = db_commit(conn);
    if (status != STORE_OK)
        db_rollback(conn);
    return status;
}

enum store_status
trends_store_read(struct db_conn *conn, const struct trend_query *query,
                  enum trend_source source, json_t **out)
{
    enum store_status status;

    *out = NULL;
    status = trends_exec(conn, query, source, out, NULL);
    if (status != STORE_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return status;
}

enum store_status
trends_store_series(struct db_conn *conn, const struct trend_query *query,
                    enum trend_source source, struct trend_grid **out)
{
    enum store_status status;

    *out = NULL;
    status = trends_exec(conn, query, source, NULL, out);
    if (status != STORE_OK) {
        trend_grid_free(*out);
        *out = NULL;
    }
    return status;
}
