/*
 * Unit tests of service/domain/report_filter: the query parameters of
 * GET /v1/reports, each accepted or refused as tests/data/report_filter.tsv
 * says, and what an accepted one turns into (region ranges, E.164 phones,
 * times, the cursor).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/report_filter.h"
#include "../suites.h"
#include "../testutil.h"
#include "../vocab_fixture.h"

#define TABLE_MIN_CASES 60
#define SOME_ID         "3cc8ac65-4723-4418-984a-a089a1c0aa19"

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

/* Sets one parameter on *filter; returns the violation code, or "ok".
 * Fails unless a refusal names the parameter and adds exactly one item. */
static const char *
set_one(struct report_filter *filter, const struct vocab *vocab, const char *name,
        const char *value)
{
    struct violations errs;
    int               rc;

    violations_init(&errs);
    rc = report_filter_set(filter, vocab, name, value, &errs);
    if (rc == 0) {
        ck_assert_msg(errs.count == 0, "%s=%s: accepted but %zu violations", name, value,
                      errs.count);
        return "ok";
    }
    ck_assert_msg(errs.count == 1, "%s=%s: refused with %zu violations", name, value, errs.count);
    ck_assert_msg(strcmp(errs.items[0].pointer, name) == 0,
                  "%s=%s: the violation names '%s', not the parameter", name, value,
                  errs.items[0].pointer);
    return errs.items[0].code;
}

START_TEST(test_table)
{
    struct vocab *vocab = fixture_vocab();
    char         *text = testutil_read_data("report_filter.tsv", NULL);
    char         *rest = text;
    char         *line;
    char          failures[2048] = "";
    size_t        used = 0;
    int           cases = 0;
    int           line_no = 0;

    while ((line = strsep(&rest, "\n")) != NULL) {
        struct report_filter filter;
        char                *name, *value, *want;
        const char          *got;

        line_no++;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        name = strsep(&line, "\t");
        value = strsep(&line, "\t");
        want = line;
        ck_assert_msg(value != NULL && want != NULL && strchr(want, '\t') == NULL,
                      "report_filter.tsv:%d: want name<TAB>value<TAB>result", line_no);
        report_filter_init(&filter);
        got = set_one(&filter, vocab, name, strcmp(value, "\\N") == 0 ? NULL : value);
        cases++;
        if (strcmp(got, want) != 0 && used < sizeof(failures))
            used += (size_t)snprintf(failures + used, sizeof(failures) - used,
                                     "\n  line %d: %s=%s gave %s, want %s", line_no, name,
                                     value, got, want);
    }
    ck_assert_msg(cases >= TABLE_MIN_CASES, "only %d cases in report_filter.tsv", cases);
    ck_assert_msg(used == 0, "report_filter.tsv:%s", failures);
    free(text);
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_defaults)
{
    struct report_filter filter;

    report_filter_init(&filter);
    ck_assert_uint_eq(filter.limit, REPORT_FILTER_LIMIT_DEFAULT);
    ck_assert(!filter.has_cursor);
    ck_assert_ptr_null(filter.source);
    ck_assert_ptr_null(filter.station);
    ck_assert_str_eq(filter.region_exact, "");
    ck_assert_str_eq(filter.region_low, "");
    ck_assert_str_eq(filter.phone_e164, "");
    ck_assert_str_eq(filter.occurred_from, "");
}
END_TEST

START_TEST(test_region_ranges)
{
    struct vocab        *vocab = fixture_vocab();
    struct report_filter filter;

    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "region", "44"), "ok");
    ck_assert_str_eq(filter.region_low, "440000");
    ck_assert_str_eq(filter.region_high, "449999");
    ck_assert_str_eq(filter.region_exact, "");

    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "region", "4419"), "ok");
    ck_assert_str_eq(filter.region_low, "441900");
    ck_assert_str_eq(filter.region_high, "441999");

    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "region", "441900"), "ok");
    ck_assert_str_eq(filter.region_exact, "441900");
    ck_assert_str_eq(filter.region_low, "");
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_phone_forms_match_one_number)
{
    static const char *const forms[] = {
        "+86 138 0000 0000", "13800000000", "0086 138-0000-0000", "138-0000-0000",
        /* A '+' sent unencoded in a query string arrives as a space. */
        " 86 138 0000 0000",
    };
    struct vocab *vocab = fixture_vocab();

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct report_filter filter;

        report_filter_init(&filter);
        ck_assert_str_eq(set_one(&filter, vocab, "phone", forms[i]), "ok");
        ck_assert_msg(strcmp(filter.phone_e164, "+8613800000000") == 0, "'%s' gave %s", forms[i],
                      filter.phone_e164);
    }
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_times_kept_for_postgresql)
{
    struct vocab        *vocab = fixture_vocab();
    struct report_filter filter;

    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "occurred_from", "2020-10-30T12:00:00 08:00"), "ok");
    ck_assert_str_eq(filter.occurred_from, "2020-10-30T12:00:00+08:00");
    ck_assert_str_eq(set_one(&filter, vocab, "reported_to", "2020-10-30t04:00:00.5z"), "ok");
    ck_assert_str_eq(filter.reported_to, "2020-10-30T04:00:00.5Z");
    ck_assert_str_eq(set_one(&filter, vocab, "occurred_to", "2020-10-30T12:00:00-05:00"), "ok");
    ck_assert_str_eq(filter.occurred_to, "2020-10-30T12:00:00-05:00");
    ck_assert_str_eq(filter.reported_from, "");
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_text_values)
{
    struct vocab        *vocab = fixture_vocab();
    struct report_filter filter;
    char                 name_201[202], station_400[401], station_401[402];

    memset(name_201, 'a', 201);
    name_201[201] = '\0';
    memset(station_400, 'b', 400);
    station_400[400] = '\0';
    memset(station_401, 'b', 401);
    station_401[401] = '\0';
    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "app", "开会宝"), "ok");
    ck_assert_str_eq(filter.app, "开会宝");
    ck_assert_str_eq(set_one(&filter, vocab, "station", station_400), "ok");
    ck_assert_str_eq(set_one(&filter, vocab, "account", name_201), "too_long");
    ck_assert_ptr_null(filter.account);

    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "station", station_401), "too_long");
    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "station", "a\tb"), "format");
    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "app", "\xff\xfe"), "format");
    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "app", "\xe5\xbc"), "format");
    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "account", "\xed\xa0\x80"), "format");
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_duplicate_refused)
{
    struct vocab        *vocab = fixture_vocab();
    struct report_filter filter;

    report_filter_init(&filter);
    ck_assert_str_eq(set_one(&filter, vocab, "source", "police"), "ok");
    ck_assert_str_eq(set_one(&filter, vocab, "source", "police"), "duplicate");
    ck_assert_str_eq(set_one(&filter, vocab, "limit", "5"), "ok");
    ck_assert_str_eq(set_one(&filter, vocab, "limit", "6"), "duplicate");
    ck_assert_uint_eq(filter.limit, 5);
    /* Once refused, a second try does not slip through either. */
    ck_assert_str_eq(set_one(&filter, vocab, "stage", "nope"), "unknown_code");
    ck_assert_str_eq(set_one(&filter, vocab, "stage", "contact"), "duplicate");
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_name_not_utf8)
{
    struct vocab        *vocab = fixture_vocab();
    struct report_filter filter;
    struct violations    errs;

    report_filter_init(&filter);
    violations_init(&errs);
    ck_assert_int_eq(report_filter_set(&filter, vocab, "lim\xffit", "5", &errs), -1);
    ck_assert_uint_eq(errs.count, 1);
    ck_assert_str_eq(errs.items[0].code, "unknown_parameter");
    ck_assert_str_eq(errs.items[0].pointer, "");
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_cursor_round_trip)
{
    static const int64_t positions[] = {0, 1, 1795634550114505LL, 9007199254740991LL};
    struct vocab        *vocab = fixture_vocab();

    for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
        struct report_filter filter;
        char                 cursor[REPORT_FILTER_CURSOR_MAX];

        ck_assert_int_eq(report_filter_cursor_encode(positions[i], SOME_ID, cursor,
                                                     sizeof(cursor)), 0);
        ck_assert_msg(strspn(cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_") == strlen(cursor),
                      "cursor %s is not base64url", cursor);
        report_filter_init(&filter);
        ck_assert_str_eq(set_one(&filter, vocab, "cursor", cursor), "ok");
        ck_assert(filter.has_cursor);
        ck_assert_int_eq(filter.cursor_us, positions[i]);
        ck_assert_str_eq(filter.cursor_id, SOME_ID);
    }
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_cursor_encode_refuses)
{
    char cursor[REPORT_FILTER_CURSOR_MAX];

    ck_assert_int_eq(report_filter_cursor_encode(-1, SOME_ID, cursor, sizeof(cursor)), -1);
    ck_assert_int_eq(report_filter_cursor_encode(9007199254740992LL, SOME_ID, cursor,
                                                 sizeof(cursor)), -1);
    ck_assert_int_eq(report_filter_cursor_encode(5, "3CC8AC65-4723-4418-984A-A089A1C0AA19",
                                                 cursor, sizeof(cursor)), -1);
    ck_assert_int_eq(report_filter_cursor_encode(5, "not-a-uuid", cursor, sizeof(cursor)), -1);
    ck_assert_int_eq(report_filter_cursor_encode(5, SOME_ID, cursor, 10), -1);
}
END_TEST

/* Every character of a good cursor changed in turn: each result is either
 * refused or still a well-formed position, never a crash or a half-read. */
START_TEST(test_cursor_edits)
{
    struct vocab *vocab = fixture_vocab();
    char          good[REPORT_FILTER_CURSOR_MAX];
    size_t        refused = 0;

    ck_assert_int_eq(report_filter_cursor_encode(1795634550114505LL, SOME_ID, good,
                                                 sizeof(good)), 0);
    for (size_t i = 0; good[i] != '\0'; i++) {
        char                 edited[REPORT_FILTER_CURSOR_MAX];
        struct report_filter filter;

        memcpy(edited, good, sizeof(edited));
        edited[i] = edited[i] == 'A' ? 'B' : 'A';
        report_filter_init(&filter);
        if (strcmp(set_one(&filter, vocab, "cursor", edited), "ok") != 0)
            refused++;
        else
            ck_assert_msg(strlen(filter.cursor_id) == 36, "edited cursor %s half-read", edited);
    }
    ck_assert_msg(refused > strlen(good) / 2, "only %zu of %zu edits refused", refused,
                  strlen(good));
    vocab_unref(vocab);
}
END_TEST

Suite *
report_filter_suite(void)
{
    Suite *suite = suite_create("report_filter");
    TCase *params = tcase_create("parameters");
    TCase *cursor = tcase_create("cursor");

    tcase_add_test(params, test_table);
    tcase_add_test(params, test_defaults);
    tcase_add_test(params, test_region_ranges);
    tcase_add_test(params, test_phone_forms_match_one_number);
    tcase_add_test(params, test_times_kept_for_postgresql);
    tcase_add_test(params, test_text_values);
    tcase_add_test(params, test_duplicate_refused);
    tcase_add_test(params, test_name_not_utf8);
    suite_add_tcase(suite, params);

    tcase_add_test(cursor, test_cursor_round_trip);
    tcase_add_test(cursor, test_cursor_encode_refuses);
    tcase_add_test(cursor, test_cursor_edits);
    suite_add_tcase(suite, cursor);
    return suite;
}
