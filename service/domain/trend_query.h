/*
 * What a trend request asks for: the query parameters of the trend routes
 * (series, top, funnel, summary) and of the indicator lookup, checked one
 * by one into a plain struct, and the rules that say whether a rollup can
 * answer it exactly or the base tables must. No HTTP and no SQL here.
 */
#ifndef FRAUD_TREND_QUERY_H
#define FRAUD_TREND_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/report.h"
#include "domain/report_filter.h"
#include "domain/violations.h"
#include "domain/vocab.h"

/* The longest range: three years of days (one of them a leap day). */
#define TREND_QUERY_SPAN_MAX_DAYS     1096
#define TREND_QUERY_TOP_LIMIT_DEFAULT 10
#define TREND_QUERY_TOP_LIMIT_MAX     100
/* A series answers at most this many buckets x values. */
#define TREND_QUERY_CELLS_MAX         20000
#define TREND_QUERY_TZ_DEFAULT        "Asia/Shanghai"
/* IANA names are at most 30-odd bytes; the NUL included. */
#define TREND_QUERY_TZ_MAX            64
#define TREND_QUERY_CURRENCY_DEFAULT  "CNY"
/* A looked-up value: the longest indicator (a URL) and the NUL. */
#define TREND_QUERY_VALUE_MAX         (REPORT_URL_MAX + 1)

enum trend_route {
    TREND_ROUTE_SERIES,
    TREND_ROUTE_TOP,
    TREND_ROUTE_FUNNEL,
    TREND_ROUTE_SUMMARY,
    TREND_ROUTE_LOOKUP,
};

enum trend_metric {
    TREND_METRIC_REPORTS,
    TREND_METRIC_LOSS,
    TREND_METRIC_VICTIMS_WITH_LOSS,
};

enum trend_interval {
    TREND_INTERVAL_DAY,
    TREND_INTERVAL_WEEK,
    TREND_INTERVAL_MONTH,
};

/* The breakdown of a series; TREND_DIM_TOTAL is none. */
enum trend_dim {
    TREND_DIM_TOTAL,
    TREND_DIM_SCAM_TYPE,
    TREND_DIM_STAGE,
    TREND_DIM_CHANNEL,
    TREND_DIM_SOURCE,
    TREND_DIM_PROVINCE,
    TREND_DIM_PREFECTURE,
    TREND_DIM_COUNTY,
    TREND_DIM_IMPERSONATED,
    TREND_DIM_APP,
};

/* What a top-N list or a lookup is about. */
enum trend_kind {
    TREND_KIND_PHONE,
    TREND_KIND_APP,
    TREND_KIND_ACCOUNT,
    TREND_KIND_URL,
    TREND_KIND_REGION,
};

/* Where the numbers come from: the base tables, or a rollup that holds
 * exactly the buckets the request needs. */
enum trend_source {
    TREND_SOURCE_BASE,
    TREND_SOURCE_DAILY,
    TREND_SOURCE_HOURLY,
};

/* A parsed request. Filter codes and texts point into the values given
 * to trend_query_set (borrowed, as with report_filter); the rest is
 * copied in. */
struct trend_query {
    enum trend_route    route;
    /* [from, to) as RFC 3339 text PostgreSQL reads, and as seconds since
     * 1970 plus the microseconds of their fraction of a second. */
    char                from[REPORT_FILTER_TIME_MAX], to[REPORT_FILTER_TIME_MAX];
    int64_t             from_s, to_s;
    int32_t             from_us, to_us;
    char                tz[TREND_QUERY_TZ_MAX];
    enum trend_metric   metric;
    enum trend_interval interval;
    enum trend_dim      by;
    char                currency[4];
    enum trend_kind     kind;
    unsigned            limit;
    /* The lookup: phone (as E.164), account or url. */
    char                value[TREND_QUERY_VALUE_MAX];
    /* The report-list filters (source, scam_type, stage, ...). */
    struct report_filter filter;
    /* One bit per parameter of this file already taken. */
    uint32_t            given;
};

/* An empty query of `route`: defaults set, nothing given yet. */
void trend_query_init(struct trend_query *query, enum trend_route route);

/* Takes one query parameter (value NULL: a name without "="). Borrows
 * vocab for the call, name and value as said above. Returns 0, or -1
 * after adding one violation to errs whose pointer member is the
 * parameter's name (codes: unknown_parameter, duplicate, empty, format,
 * range, too_long, unknown_code). */
int trend_query_set(struct trend_query *query, const struct vocab *vocab, const char *name,
                    const char *value, struct violations *errs);

/* Checks what no single parameter shows: required ones present, `to`
 * after `from` and at most TREND_QUERY_SPAN_MAX_DAYS later, a lookup
 * naming exactly one value. Returns 0, or -1 after adding violations
 * (codes: required, range, not_allowed). */
int trend_query_finish(struct trend_query *query, struct violations *errs);

/* Whether the rollups' hourly buckets fall on whole hours of zone `tz`,
 * whose offset from UTC now is utc_offset_s: the offset is whole hours
 * and the zone has had no offset with minutes since 1970. Borrows tz. */
bool trend_query_zone_hourly(const char *tz, long utc_offset_s);

/* Which source answers `query` exactly (see README, Trends): a rollup
 * when its buckets and dimensions fit, else the base tables. zone_hourly
 * is trend_query_zone_hourly of the query's zone. */
enum trend_source trend_query_source(const struct trend_query *query, bool zone_hourly);

/* The Asia/Shanghai day of an instant from 1992 on (UTC+8 since), counted
 * from 1970-01-01: the days of the rollups. */
int32_t trend_query_day(int64_t epoch_s);

/* Names as the API and the statements spell them ("week", "scam_type",
 * "total" for no breakdown, "phone" ...). Static strings. */
const char *trend_query_metric_name(enum trend_metric metric);
const char *trend_query_interval_name(enum trend_interval interval);
const char *trend_query_dim_name(enum trend_dim dim);
const char *trend_query_kind_name(enum trend_kind kind);

#endif
