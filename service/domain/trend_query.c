/*
 * Query parameters of the trend routes, one table row per parameter, and
 * the choice of source. The report-list filters are read by report_filter
 * itself, so a filter means the same here as on GET /v1/reports.
 */
#include "domain/trend_query.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "domain/timestamp.h"
#include "domain/utf8.h"

#define ROUTE(r) (1u << (r))
#define RANGED                                                                                \
    (ROUTE(TREND_ROUTE_SERIES) | ROUTE(TREND_ROUTE_TOP) | ROUTE(TREND_ROUTE_FUNNEL)           \
     | ROUTE(TREND_ROUTE_SUMMARY))

/* Time parameters between 1900-01-01 and 9999-12-31 (UTC), as for the
 * report list. */
#define TIME_EARLIEST_S (-2208988800LL)
#define TIME_LATEST_S   253402300799LL
#define DAY_S           86400
#define HOUR_S          3600
/* Asia/Shanghai has been UTC+8 without daylight saving time since
 * 1991-09-15; from 1992 on its local midnights are UTC 16:00. */
#define SHANGHAI_FIXED_FROM_S 694195200LL /* 1992-01-01T00:00:00Z */
#define SHANGHAI_OFFSET_S     28800

enum param_kind {
    PARAM_FROM,
    PARAM_TO,
    PARAM_TZ,
    PARAM_METRIC,
    PARAM_INTERVAL,
    PARAM_BY,
    PARAM_CURRENCY,
    PARAM_KIND,
    PARAM_LIMIT,
    PARAM_LOOKUP,
};

struct param {
    const char     *name;
    enum param_kind kind;
    unsigned        routes;
};

/* Parameters of this file; the filters below are report_filter's. A name
 * may appear twice for different routes (phone is a filter of the series
 * and what a lookup looks up). */
static const struct param params[] = {
    {"from", PARAM_FROM, RANGED},
    {"to", PARAM_TO, RANGED},
    {"tz", PARAM_TZ, RANGED},
    {"metric", PARAM_METRIC, ROUTE(TREND_ROUTE_SERIES)},
    {"interval", PARAM_INTERVAL, ROUTE(TREND_ROUTE_SERIES)},
    {"by", PARAM_BY, ROUTE(TREND_ROUTE_SERIES)},
    {"currency", PARAM_CURRENCY, ROUTE(TREND_ROUTE_SERIES)},
    {"kind", PARAM_KIND, ROUTE(TREND_ROUTE_TOP)},
    {"limit", PARAM_LIMIT, ROUTE(TREND_ROUTE_TOP)},
    {"phone", PARAM_LOOKUP, ROUTE(TREND_ROUTE_LOOKUP)},
    {"account", PARAM_LOOKUP, ROUTE(TREND_ROUTE_LOOKUP)},
    {"url", PARAM_LOOKUP, ROUTE(TREND_ROUTE_LOOKUP)},
};

#define PARAM_COUNT (sizeof(params) / sizeof(params[0]))
_Static_assert(PARAM_COUNT <= 32, "trend_query.given has one bit per parameter");

/* The report-list filters that make sense for an aggregate (no paging,
 * no occurred/reported ranges: from and to are the range). */
static const char *const filter_names[] = {
    "source", "scam_type", "stage", "stage_min", "channel", "region",
    "app", "phone", "account", "station", "status",
};

static const char *const metric_names[] = {
    [TREND_METRIC_REPORTS] = "reports",
    [TREND_METRIC_LOSS] = "loss",
    [TREND_METRIC_VICTIMS_WITH_LOSS] = "victims_with_loss",
};
static const char *const interval_names[] = {
    [TREND_INTERVAL_DAY] = "day",
    [TREND_INTERVAL_WEEK] = "week",
    [TREND_INTERVAL_MONTH] = "month",
};
static const char *const dim_names[] = {
    [TREND_DIM_TOTAL] = "total",
    [TREND_DIM_SCAM_TYPE] = "scam_type",
    [TREND_DIM_STAGE] = "stage",
    [TREND_DIM_CHANNEL] = "channel",
    [TREND_DIM_SOURCE] = "source",
    [TREND_DIM_PROVINCE] = "province",
    [TREND_DIM_PREFECTURE] = "prefecture",
    [TREND_DIM_COUNTY] = "county",
    [TREND_DIM_IMPERSONATED] = "impersonated",
    [TREND_DIM_APP] = "app",
};
static const char *const kind_names[] = {
    [TREND_KIND_PHONE] = "phone",
    [TREND_KIND_APP] = "app",
    [TREND_KIND_ACCOUNT] = "account",
    [TREND_KIND_URL] = "url",
    [TREND_KIND_REGION] = "region",
};

/* The names PostgreSQL gives the rollup zone: Asia/Shanghai and its links
 * (tzdata). Their local days are the rollup's days. */
static const char *const rollup_day_zones[] = {
    "Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC",
};

/* Zones whose offset is whole hours now (or for part of the year) but had
 * minutes at some time since 1970, so that a UTC hour could straddle two
 * of their local days: Lord Howe (+10:30 in winter), Pyongyang (+8:30
 * 2015-2018), Caracas (-4:30 2007-2016), Norfolk (+11:30 until 2015), and
 * older changes (Singapore and Malaysia +7:30 until 1982, Guyana -3:45,
 * Suriname -3:30, Bhutan +5:30, Nauru +11:30, Kiritimati -10:40, Niue
 * -11:30, Liberia -0:44:30, Dominican Republic -4:30 summers). */
static const char *const hourly_denied_zones[] = {
    "Australia/Lord_Howe", "Australia/LHI", "Asia/Pyongyang", "America/Caracas",
    "Pacific/Norfolk", "Asia/Singapore", "Singapore", "Asia/Kuala_Lumpur", "America/Guyana",
    "America/Paramaribo", "Asia/Thimphu", "Asia/Thimbu", "Pacific/Nauru", "Pacific/Kiritimati",
    "Pacific/Niue", "Africa/Monrovia", "America/Santo_Domingo",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool
in_list(const char *const *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* The index of `value` in `names` (count entries), or -1. */
static int
name_index(const char *const *names, size_t count, const char *value)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], value) == 0)
            return (int)i;
    return -1;
}

void
trend_query_init(struct trend_query *query, enum trend_route route)
{
    memset(query, 0, sizeof(*query));
    query->route = route;
    snprintf(query->tz, sizeof(query->tz), "%s", TREND_QUERY_TZ_DEFAULT);
    snprintf(query->currency, sizeof(query->currency), "%s", TREND_QUERY_CURRENCY_DEFAULT);
    query->metric = TREND_METRIC_REPORTS;
    query->interval = TREND_INTERVAL_DAY;
    query->by = TREND_DIM_TOTAL;
    query->limit = TREND_QUERY_TOP_LIMIT_DEFAULT;
    report_filter_init(&query->filter);
}

/* What a URL may hold: strict UTF-8 without spaces or control characters. */
static bool
url_text_valid(const char *s)
{
    return utf8_valid(s) && !utf8_has_control(s) && strchr(s, ' ') == NULL;
}

/* The fraction of a second of an RFC 3339 text in microseconds (digits
 * past the sixth are dropped), 0 when there is none. */
static int32_t
fraction_us(const char *text)
{
    const char *dot = strchr(text, '.');
    int32_t     us = 0;
    int         digits = 0;

    for (const char *p = dot != NULL ? dot + 1 : ""; *p >= '0' && *p <= '9'; p++)
        if (digits < 6) {
            us = us * 10 + (*p - '0');
            digits++;
        }
    for (; dot != NULL && digits < 6; digits++)
        us *= 10;
    return us;
}

/* RFC 3339 with an offset, as the report list reads it: a '+' that
 * arrived as a space is taken back. */
static int
set_time(char *out, int64_t *epoch_s, int32_t *us, const char *name, const char *value,
         struct violations *errs)
{
    static const char example[] = "must be an RFC 3339 time such as 2026-03-01T00:00:00+08:00";
    size_t            len = strlen(value);

    if (len >= REPORT_FILTER_TIME_MAX) {
        violations_add(errs, name, "format", "%s", example);
        return -1;
    }
    for (size_t i = 0; i <= len; i++)
        out[i] = value[i] == ' ' ? '+' : value[i] == 't' ? 'T' : value[i] == 'z' ? 'Z' : value[i];
    if (timestamp_parse_rfc3339(out, epoch_s) != 0) {
        out[0] = '\0';
        violations_add(errs, name, "format", "%s", example);
        return -1;
    }
    if (*epoch_s < TIME_EARLIEST_S || *epoch_s > TIME_LATEST_S) {
        out[0] = '\0';
        violations_add(errs, name, "range", "must be from year 1900 to 9999");
        return -1;
    }
    *us = fraction_us(out);
    return 0;
}

/* The shape of an IANA name ("America/Argentina/Buenos_Aires", "UTC",
 * "Etc/GMT+8"); whether PostgreSQL knows it is checked against its list. */
static int
set_tz(struct trend_query *query, const char *name, const char *value, struct violations *errs)
{
    size_t len = strlen(value);

    if (len >= sizeof(query->tz)
        || strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-")
               != len) {
        violations_add(errs, name, "format",
                       "must be an IANA time zone name such as Asia/Shanghai or Europe/London");
        return -1;
    }
    memcpy(query->tz, value, len + 1);
    return 0;
}

static int
set_choice(int *out, const char *const *names, size_t count, const char *name, const char *value,
           struct violations *errs)
{
    char   allowed[160] = "";
    size_t used = 0;
    int    at = name_index(names, count, value);

    if (at >= 0) {
        *out = at;
        return 0;
    }
    for (size_t i = 0; i < count && used < sizeof(allowed); i++)
        used += (size_t)snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
                                 i == 0 ? "" : i + 1 == count ? " or " : ", ", names[i]);
    violations_add(errs, name, "unknown_code", "must be %s", allowed);
    return -1;
}

static int
set_limit(struct trend_query *query, const char *name, const char *value, struct violations *errs)
{
    unsigned limit = 0;
    size_t   len = strlen(value);

    if (len <= 3 && strspn(value, "0123456789") == len)
        for (const char *p = value; *p != '\0'; p++)
            limit = limit * 10 + (unsigned)(*p - '0');
    if (limit < 1 || limit > TREND_QUERY_TOP_LIMIT_MAX) {
        violations_add(errs, name, "range", "must be an integer from 1 to %d",
                       TREND_QUERY_TOP_LIMIT_MAX);
        return -1;
    }
    query->limit = limit;
    return 0;
}

/* The looked-up value, normalised as intake normalises it: a phone to
 * E.164 and an account checked by the report list's own rules. */
static int
set_lookup(struct trend_query *query, const struct vocab *vocab, const char *name,
           const char *value, struct violations *errs)
{
    struct report_filter scratch;

    if (strcmp(name, "url") == 0) {
        if (!url_text_valid(value)) {
            violations_add(errs, name, "format",
                           "must be UTF-8 text without spaces or control characters");
            return -1;
        }
        if (strlen(value) > REPORT_URL_MAX) {
            violations_add(errs, name, "too_long", "must be at most %d bytes of UTF-8",
                           REPORT_URL_MAX);
            return -1;
        }
        query->kind = TREND_KIND_URL;
        snprintf(query->value, sizeof(query->value), "%s", value);
        return 0;
    }
    report_filter_init(&scratch);
    if (report_filter_set(&scratch, vocab, name, value, errs) != 0)
        return -1;
    query->kind = strcmp(name, "phone") == 0 ? TREND_KIND_PHONE : TREND_KIND_ACCOUNT;
    snprintf(query->value, sizeof(query->value), "%s",
             query->kind == TREND_KIND_PHONE ? scratch.phone_e164 : scratch.account);
    return 0;
}

static int
set_param(struct trend_query *query, const struct param *param, const struct vocab *vocab,
          const char *value, struct violations *errs)
{
    int choice = 0;
    int rc = 0;

    switch (param->kind) {
    case PARAM_FROM:
        return set_time(query->from, &query->from_s, &query->from_us, param->name, value, errs);
    case PARAM_TO:
        return set_time(query->to, &query->to_s, &query->to_us, param->name, value, errs);
    case PARAM_TZ:
        return set_tz(query, param->name, value, errs);
    case PARAM_METRIC:
        rc = set_choice(&choice, metric_names, COUNT(metric_names), param->name, value, errs);
        query->metric = (enum trend_metric)choice;
        return rc;
    case PARAM_INTERVAL:
        rc = set_choice(&choice, interval_names, COUNT(interval_names), param->name, value, errs);
        query->interval = (enum trend_interval)choice;
        return rc;
    case PARAM_BY:
        /* "total" is the absence of a breakdown, not a value of `by`. */
        rc = set_choice(&choice, dim_names + 1, COUNT(dim_names) - 1, param->name, value, errs);
        query->by = (enum trend_dim)(choice + (rc == 0 ? 1 : 0));
        return rc;
    case PARAM_CURRENCY:
        if (!vocab_has(vocab, VOCAB_CURRENCY, value)) {
            violations_add(errs, param->name, "unknown_code", "is not one of the %s codes",
                           vocab_kind_name(VOCAB_CURRENCY));
            return -1;
        }
        snprintf(query->currency, sizeof(query->currency), "%s", value);
        return 0;
    case PARAM_KIND:
        rc = set_choice(&choice, kind_names, COUNT(kind_names), param->name, value, errs);
        query->kind = (enum trend_kind)choice;
        return rc;
    case PARAM_LIMIT:
        return set_limit(query, param->name, value, errs);
    case PARAM_LOOKUP:
        return set_lookup(query, vocab, param->name, value, errs);
    }
    return -1;
}

int
trend_query_set(struct trend_query *query, const struct vocab *vocab, const char *name,
                const char *value, struct violations *errs)
{
    unsigned route = ROUTE(query->route);

    for (size_t i = 0; i < PARAM_COUNT; i++) {
        if ((params[i].routes & route) == 0 || strcmp(params[i].name, name) != 0)
            continue;
        if (query->given & (1u << i)) {
            violations_add(errs, name, "duplicate", "is given more than once");
            return -1;
        }
        query->given |= 1u << i;
        if (value == NULL || value[0] == '\0') {
            violations_add(errs, name, "empty", "must not be empty");
            return -1;
        }
        return set_param(query, &params[i], vocab, value, errs);
    }
    if ((route & RANGED) != 0 && in_list(filter_names, COUNT(filter_names), name))
        return report_filter_set(&query->filter, vocab, name, value, errs);
    /* An unknown name may not be UTF-8: it is not repeated then. */
    violations_add(errs, url_text_valid(name) ? name : "",
                   "unknown_parameter", "is not a parameter of this route");
    return -1;
}

static bool
given(const struct trend_query *query, const char *name)
{
    unsigned route = ROUTE(query->route);

    for (size_t i = 0; i < PARAM_COUNT; i++)
        if ((params[i].routes & route) != 0 && strcmp(params[i].name, name) == 0)
            return (query->given & (1u << i)) != 0;
    return false;
}

static int
finish_range(struct trend_query *query, struct violations *errs)
{
    int rc = 0;

    if (!given(query, "from")) {
        violations_add(errs, "from", "required", "is required: the start of the range, RFC 3339");
        rc = -1;
    }
    if (!given(query, "to")) {
        violations_add(errs, "to", "required", "is required: the end of the range (excluded)");
        rc = -1;
    }
    if (rc != 0 || query->from[0] == '\0' || query->to[0] == '\0')
        return -1;
    if (query->to_s < query->from_s
        || (query->to_s == query->from_s && query->to_us <= query->from_us)) {
        violations_add(errs, "to", "range", "must be later than from");
        return -1;
    }
    if (query->to_s - query->from_s > (int64_t)TREND_QUERY_SPAN_MAX_DAYS * DAY_S) {
        violations_add(errs, "to", "range", "must be at most %d days (3 years) after from",
                       TREND_QUERY_SPAN_MAX_DAYS);
        return -1;
    }
    return 0;
}

static int
finish_lookup(const struct trend_query *query, struct violations *errs)
{
    int named = given(query, "phone") + given(query, "account") + given(query, "url");

    if (named == 0) {
        violations_add(errs, "phone", "required", "one of phone, account or url is required");
        return -1;
    }
    if (named > 1) {
        violations_add(errs, given(query, "url") ? "url" : "account", "not_allowed",
                       "give exactly one of phone, account or url");
        return -1;
    }
    return 0;
}

int
trend_query_finish(struct trend_query *query, struct violations *errs)
{
    if (query->route == TREND_ROUTE_LOOKUP)
        return finish_lookup(query, errs);
    return finish_range(query, errs);
}

bool
trend_query_zone_hourly(const char *tz, long utc_offset_s)
{
    return utc_offset_s % HOUR_S == 0
        && !in_list(hourly_denied_zones, COUNT(hourly_denied_zones), tz);
}

static bool
day_aligned(int64_t epoch_s, bool fraction)
{
    return !fraction && epoch_s >= SHANGHAI_FIXED_FROM_S
        && (epoch_s + SHANGHAI_OFFSET_S) % DAY_S == 0;
}

static bool
hour_aligned(int64_t epoch_s, bool fraction)
{
    return !fraction && ((epoch_s % HOUR_S) + HOUR_S) % HOUR_S == 0;
}

/* Whether the filters are ones a rollup is kept for: none, or one scam
 * type (each rollup row is also kept in its scam type's slice). */
static bool
filters_fit(const struct trend_query *query, bool scam_type_fits)
{
    const struct report_filter *f = &query->filter;

    if (f->scam_type != NULL && !scam_type_fits)
        return false;
    return f->source == NULL && f->stage == NULL && f->stage_min == NULL && f->channel == NULL
        && f->status == NULL && f->app == NULL && f->account == NULL && f->station == NULL
        && f->phone_e164[0] == '\0' && f->region_exact[0] == '\0' && f->region_low[0] == '\0';
}

/* The rollups have no app or indicator slice per scam type. */
static bool
scam_type_fits(const struct trend_query *query)
{
    if (query->route == TREND_ROUTE_SERIES)
        return query->by != TREND_DIM_APP;
    if (query->route == TREND_ROUTE_TOP)
        return query->kind == TREND_KIND_REGION;
    return true;
}

enum trend_source
trend_query_source(const struct trend_query *query, bool zone_hourly)
{
    /* Top and summary also read the equal period before `from`. */
    bool    previous = query->route == TREND_ROUTE_TOP || query->route == TREND_ROUTE_SUMMARY;
    int64_t before_s = 2 * query->from_s - query->to_s;
    bool    series = query->route == TREND_ROUTE_SERIES;
    bool    fraction = query->from_us != 0 || query->to_us != 0;

    if (query->route == TREND_ROUTE_LOOKUP)
        return TREND_SOURCE_DAILY;
    if (!filters_fit(query, scam_type_fits(query)))
        return TREND_SOURCE_BASE;
    /* Only a series has buckets in a zone; the other routes add up the
     * range whatever the zone. */
    if (day_aligned(query->from_s, fraction) && day_aligned(query->to_s, fraction)
        && (!previous || day_aligned(before_s, fraction))
        && (!series || in_list(rollup_day_zones, COUNT(rollup_day_zones), query->tz)))
        return TREND_SOURCE_DAILY;
    if (query->route == TREND_ROUTE_TOP
        || (series && (query->by == TREND_DIM_PREFECTURE || query->by == TREND_DIM_COUNTY
                       || query->by == TREND_DIM_APP)))
        return TREND_SOURCE_BASE;
    if (hour_aligned(query->from_s, fraction) && hour_aligned(query->to_s, fraction)
        && (!series || zone_hourly))
        return TREND_SOURCE_HOURLY;
    return TREND_SOURCE_BASE;
}

int32_t
trend_query_day(int64_t epoch_s)
{
    int64_t local_s = epoch_s + SHANGHAI_OFFSET_S;

    /* Floor division: days before 1970 too. */
    return (int32_t)((local_s - (((local_s % DAY_S) + DAY_S) % DAY_S)) / DAY_S);
}

const char *
trend_query_metric_name(enum trend_metric metric)
{
    return metric_names[metric];
}

const char *
trend_query_interval_name(enum trend_interval interval)
{
    return interval_names[interval];
}

const char *
trend_query_dim_name(enum trend_dim dim)
{
    return dim_names[dim];
}

const char *
trend_query_kind_name(enum trend_kind kind)
{
    return kind_names[kind];
}
