/*
 * Unit tests of service/domain/trend_query: the query parameters of the
 * trend routes, each query of tests/data/trends/parameters.tsv accepted or
 * refused naming its parameters; the source each query of
 * tests/data/trends/sources.tsv is answered from; and what an accepted
 * query holds (defaults, normalised lookups, whole-hour zones).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/trend_query.h"
#include "../suites.h"
#include "../testutil.h"
#include "../vocab_fixture.h"

#define PARAMETER_CASES_MIN 100
#define SOURCE_CASES_MIN    50
#define QUERY_MAX           1024

static struct vocab *
fixture_vocab(void)
{
    char          why[256];
    char         *path = testutil_data_path("vocabulary.tsv");
    struct vocab *vocab = vocab_fixture_load(path, why, sizeof(why));

    free(path);
    ck_assert_msg(vocab != NULL, "%s", why);
    return vocab;
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes in place as a server decodes a query value: %XX and '+'. */
static void
url_decode(char *text)
{
    char *out = text;

    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '%' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
            *out++ = (char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
            p += 2;
        } else {
            *out++ = *p == '+' ? ' ' : *p;
        }
    }
    *out = '\0';
}

static enum trend_route
route_named(const char *name)
{
    static const char *const names[] = {"series", "top", "funnel", "summary", "lookup"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], name) == 0)
            return (enum trend_route)i;
    ck_abort_msg("unknown route %s", name);
    return TREND_ROUTE_SERIES;
}

/* Parses `query` (name=value pairs joined by '&', not yet decoded; it is
 * changed, and the query keeps pointers into it) for `route` into *query.
 * Fills errs; returns 0 when accepted. */
static int
parse(enum trend_route route, char *text, const struct vocab *vocab, struct trend_query *query,
      struct violations *errs)
{
    char *pair;

    trend_query_init(query, route);
    violations_init(errs);
    while ((pair = strsep(&text, "&")) != NULL) {
        char *name = strsep(&pair, "=");

        if (name[0] == '\0' && pair == NULL)
            continue;
        url_decode(name);
        if (pair != NULL)
            url_decode(pair);
        trend_query_set(query, vocab, name, pair, errs);
    }
    trend_query_finish(query, errs);
    return errs->count == 0 ? 0 : -1;
}

/* "ok", or "parameter:code ..." in order. */
static void
describe(const struct violations *errs, char *out, size_t size)
{
    size_t used = 0;

    snprintf(out, size, "ok");
    for (size_t i = 0; i < errs->count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s:%s", i == 0 ? "" : " ",
                                 errs->items[i].pointer, errs->items[i].code);
}

/* Calls check(route, query, rest of the line) for every line of a TSV of
 * tests/data/trends; returns how many lines it read. */
static int
each_line(const char *file, void (*check)(const char *where, enum trend_route route, char *query,
                                          char *rest, void *ctx),
          void *ctx)
{
    char *text = testutil_read_data(file, NULL);
    char *rest = text;
    char *line;
    int   line_no = 0, cases = 0;

    while ((line = strsep(&rest, "\n")) != NULL) {
        char  where[64];
        char *route, *query;

        line_no++;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        route = strsep(&line, "\t");
        query = strsep(&line, "\t");
        ck_assert_msg(query != NULL && line != NULL, "%s:%d: too few fields", file, line_no);
        snprintf(where, sizeof(where), "%s:%d", file, line_no);
        check(where, route_named(route), query, line, ctx);
        cases++;
    }
    free(text);
    return cases;
}

struct failures {
    struct vocab *vocab;
    char                text[4096];
    size_t              used;
};

/* Adds "where: query gave got, want want" to the failures. */
static void
note(struct failures *f, const char *where, const char *query, const char *got, const char *want)
{
    if (f->used < sizeof(f->text))
        f->used += (size_t)snprintf(f->text + f->used, sizeof(f->text) - f->used,
                                    "\n  %s: %s gave \"%s\", want \"%s\"", where, query, got,
                                    want);
}

static void
check_parameters(const char *where, enum trend_route route, char *query, char *want, void *ctx)
{
    struct failures   *f = ctx;
    char               copy[QUERY_MAX], got[512];
    struct trend_query parsed;
    struct violations  errs;

    snprintf(copy, sizeof(copy), "%s", query);
    parse(route, copy, f->vocab, &parsed, &errs);
    describe(&errs, got, sizeof(got));
    if (strcmp(got, want) != 0)
        note(f, where, query, got, want);
}

START_TEST(test_parameter_table)
{
    struct failures f = {.vocab = fixture_vocab()};
    int             cases = each_line("trends/parameters.tsv", check_parameters, &f);

    ck_assert_msg(cases >= PARAMETER_CASES_MIN, "only %d cases in parameters.tsv", cases);
    ck_assert_msg(f.used == 0, "%s", f.text);
    vocab_unref(f.vocab);
}
END_TEST

static void
check_source(const char *where, enum trend_route route, char *query, char *rest, void *ctx)
{
    static const char *const names[] = {"base", "daily", "hourly"};
    struct failures   *f = ctx;
    char              *zone_hourly = strsep(&rest, "\t");
    char               copy[QUERY_MAX];
    struct trend_query parsed;
    struct violations  errs;
    const char        *got;

    ck_assert_msg(rest != NULL, "%s: want route, query, zone_hourly, source", where);
    snprintf(copy, sizeof(copy), "%s", query);
    ck_assert_msg(parse(route, copy, f->vocab, &parsed, &errs) == 0, "%s: %s refused (%s)",
                  where, query, errs.count > 0 ? errs.items[0].pointer : "");
    got = names[trend_query_source(&parsed, strcmp(zone_hourly, "1") == 0)];
    if (strcmp(got, rest) != 0)
        note(f, where, query, got, rest);
}

START_TEST(test_source_table)
{
    struct failures f = {.vocab = fixture_vocab()};
    int             cases = each_line("trends/sources.tsv", check_source, &f);

    ck_assert_msg(cases >= SOURCE_CASES_MIN, "only %d cases in sources.tsv", cases);
    ck_assert_msg(f.used == 0, "%s", f.text);
    vocab_unref(f.vocab);
}
END_TEST

START_TEST(test_defaults)
{
    struct vocab      *vocab = fixture_vocab();
    char               text[] = "from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z";
    struct trend_query q;
    struct violations  errs;

    ck_assert_int_eq(parse(TREND_ROUTE_SERIES, text, vocab, &q, &errs), 0);
    ck_assert_str_eq(q.tz, "Asia/Shanghai");
    ck_assert_str_eq(q.currency, "CNY");
    ck_assert_int_eq(q.metric, TREND_METRIC_REPORTS);
    ck_assert_int_eq(q.interval, TREND_INTERVAL_DAY);
    ck_assert_int_eq(q.by, TREND_DIM_TOTAL);
    ck_assert_uint_eq(q.limit, TREND_QUERY_TOP_LIMIT_DEFAULT);
    ck_assert_str_eq(q.from, "2026-03-01T00:00:00Z");
    ck_assert_int_eq(q.to_s - q.from_s, 86400);
    ck_assert_ptr_null(q.filter.scam_type);
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_values_kept)
{
    struct vocab      *vocab = fixture_vocab();
    char               text[] = "from=2026-03-01T00:00:00.000250+08:00&to=2026-03-02T00:00:00Z"
                                "&by=prefecture&interval=month&metric=loss&currency=EUR"
                                "&tz=Europe/London&scam_type=fake_loan&region=4419";
    struct trend_query q;
    struct violations  errs;

    ck_assert_int_eq(parse(TREND_ROUTE_SERIES, text, vocab, &q, &errs), 0);
    /* The '+' arrived as a space and is taken back. */
    ck_assert_str_eq(q.from, "2026-03-01T00:00:00.000250+08:00");
    ck_assert_int_eq(q.from_us, 250);
    ck_assert_int_eq(q.to_us, 0);
    ck_assert_int_eq(q.by, TREND_DIM_PREFECTURE);
    ck_assert_str_eq(trend_query_dim_name(q.by), "prefecture");
    ck_assert_str_eq(trend_query_interval_name(q.interval), "month");
    ck_assert_str_eq(trend_query_metric_name(q.metric), "loss");
    ck_assert_str_eq(q.currency, "EUR");
    ck_assert_str_eq(q.tz, "Europe/London");
    ck_assert_str_eq(q.filter.scam_type, "fake_loan");
    ck_assert_str_eq(q.filter.region_low, "441900");
    ck_assert_str_eq(q.filter.region_high, "441999");
    vocab_unref(vocab);
}
END_TEST

/* Every form of one number looks up the same E.164. */
START_TEST(test_lookup_phone_forms)
{
    struct vocab *vocab = fixture_vocab();
    char         *forms = testutil_read_data("trends/lookup_phone_forms.tsv", NULL);
    char         *rest = forms;
    char         *line;
    int           cases = 0;

    while ((line = strsep(&rest, "\n")) != NULL) {
        char               query[QUERY_MAX];
        char              *form, *want;
        struct trend_query q;
        struct violations  errs;

        if (line[0] == '\0' || line[0] == '#')
            continue;
        form = strsep(&line, "\t");
        want = line;
        ck_assert_ptr_nonnull(want);
        snprintf(query, sizeof(query), "phone=%s", form);
        ck_assert_msg(parse(TREND_ROUTE_LOOKUP, query, vocab, &q, &errs) == 0,
                      "phone=%s refused: %s", form, errs.count > 0 ? errs.items[0].detail : "");
        ck_assert_int_eq(q.kind, TREND_KIND_PHONE);
        ck_assert_msg(strcmp(q.value, want) == 0, "phone=%s looked up %s, want %s", form,
                      q.value, want);
        cases++;
    }
    ck_assert_int_ge(cases, 8);
    free(forms);
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_lookup_kinds)
{
    struct vocab      *vocab = fixture_vocab();
    char               account[] = "account=6222%200200%200000%200001";
    char               url[] = "url=https://example.com/pay?id=1%26x=%E4%BD%A0";
    struct trend_query q;
    struct violations  errs;

    ck_assert_int_eq(parse(TREND_ROUTE_LOOKUP, account, vocab, &q, &errs), 0);
    ck_assert_int_eq(q.kind, TREND_KIND_ACCOUNT);
    ck_assert_str_eq(q.value, "6222 0200 0000 0001");
    ck_assert_int_eq(parse(TREND_ROUTE_LOOKUP, url, vocab, &q, &errs), 0);
    ck_assert_int_eq(q.kind, TREND_KIND_URL);
    ck_assert_str_eq(q.value, "https://example.com/pay?id=1&x=你");
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_url_length)
{
    struct vocab      *vocab = fixture_vocab();
    char              *query = malloc(REPORT_URL_MAX + 16);
    struct trend_query q;
    struct violations  errs;

    memcpy(query, "url=", 4);
    memset(query + 4, 'a', REPORT_URL_MAX);
    query[4 + REPORT_URL_MAX] = '\0';
    ck_assert_int_eq(parse(TREND_ROUTE_LOOKUP, query, vocab, &q, &errs), 0);
    ck_assert_uint_eq(strlen(q.value), REPORT_URL_MAX);
    memcpy(query, "url=", 4);
    memset(query + 4, 'a', REPORT_URL_MAX + 1);
    query[5 + REPORT_URL_MAX] = '\0';
    ck_assert_int_eq(parse(TREND_ROUTE_LOOKUP, query, vocab, &q, &errs), -1);
    ck_assert_str_eq(errs.items[0].code, "too_long");
    free(query);
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_zone_hourly)
{
    ck_assert(trend_query_zone_hourly("UTC", 0));
    ck_assert(trend_query_zone_hourly("Europe/London", 3600));
    ck_assert(trend_query_zone_hourly("America/New_York", -18000));
    ck_assert(!trend_query_zone_hourly("Asia/Kolkata", 19800));
    ck_assert(!trend_query_zone_hourly("Australia/Adelaide", 37800));
    ck_assert(!trend_query_zone_hourly("America/St_Johns", -12600));
    ck_assert(!trend_query_zone_hourly("Asia/Kathmandu", 20700));
    /* Whole hours now, minutes at other times of the year or in the past. */
    ck_assert(!trend_query_zone_hourly("Australia/Lord_Howe", 39600));
    ck_assert(!trend_query_zone_hourly("Asia/Pyongyang", 32400));
    ck_assert(!trend_query_zone_hourly("America/Caracas", -14400));
}
END_TEST

Suite *
trend_query_suite(void)
{
    Suite *suite = suite_create("trend_query");
    TCase *tables = tcase_create("tables");
    TCase *values = tcase_create("values");

    tcase_add_test(tables, test_parameter_table);
    tcase_add_test(tables, test_source_table);
    suite_add_tcase(suite, tables);
    tcase_add_test(values, test_defaults);
    tcase_add_test(values, test_values_kept);
    tcase_add_test(values, test_lookup_phone_forms);
    tcase_add_test(values, test_lookup_kinds);
    tcase_add_test(values, test_url_length);
    tcase_add_test(values, test_zone_hourly);
    suite_add_tcase(suite, values);
    return suite;
}
