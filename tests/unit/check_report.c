/*
 * report_suite: report_parse() over the same folders the HTTP tests post
 * (tests/data/reports/valid and invalid/<case>), against code lists built
 * from tests/data/vocabulary.tsv, then the rules a user relies on directly:
 * phone normalisation, indicator order, police-only members, the window
 * occurred_at must fall in, and release and repeatability.
 */
#include "domain/report.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/body.h"

#include "../suites.h"
#include "expect_violations.h"
#include "../vocab_fixture.h"
#include "../testutil.h"

/* Fewer cases than these means a folder was emptied or moved. */
#define REPORT_MIN_VALID   10
#define REPORT_MIN_INVALID 30

/* A fixed server clock for the direct tests: 2024-11-25T18:40:00Z. */
#define NOW_S 1732560000

/* ---- the code lists ---------------------------------------------------- */

/* Returns a frozen snapshot of tests/data/vocabulary.tsv; caller unrefs. */
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

/* ---- comparing violations ---------------------------------------------- */

/* Writes "(pointer, code) ..." of errs into out. */
static void
describe_violations(const struct violations *errs, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < errs->count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s(\"%s\", %s)", i ? " " : "",
                                 errs->items[i].pointer, errs->items[i].code);
    if (errs->count == 0)
        snprintf(out, size, "none");
}

static void
describe_expected(const struct expected_violation *want, size_t count, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s(\"%s\", %s)", i ? " " : "",
                                 want[i].pointer, want[i].code);
    if (count == 0)
        snprintf(out, size, "none");
}

/* ---- parsing helpers ---------------------------------------------------- */

/* Parses a body the way the service does (body_parse_json, then
 * report_parse). The report holds its own reference to the document. */
static int
parse_body(const char *text, size_t len, const struct vocab *vocab, int64_t now_s,
           struct report *report, struct violations *errs)
{
    json_error_t error;
    json_t      *doc = body_parse_json(text, len, &error);
    int          rc;

    ck_assert_msg(doc != NULL, "test body is not JSON (line %d): %s", error.line, error.text);
    violations_init(errs);
    rc = report_parse(doc, vocab, now_s, report, errs);
    json_decref(doc);
    return rc;
}

static int
parse_text(const char *text, struct report *report, struct violations *errs)
{
    struct vocab *vocab = fixture_vocab();
    int           rc = parse_body(text, strlen(text), vocab, NOW_S, report, errs);

    vocab_unref(vocab);
    return rc;
}

static int
parse_data(const char *rel, struct report *report, struct violations *errs)
{
    struct vocab *vocab = fixture_vocab();
    size_t        len;
    char         *text = testutil_read_data(rel, &len);
    int           rc;

    rc = parse_body(text, len, vocab, NOW_S, report, errs);
    vocab_unref(vocab);
    free(text);
    return rc;
}

/* Asserts that `text` is refused with exactly `want`. */
static void
assert_refused_with(const char *text, const struct expected_violation *want, size_t want_count)
{
    struct report     report;
    struct violations errs;
    int               rc = parse_text(text, &report, &errs);
    bool              match = expect_violations_match(&errs, want, want_count);
    char              got_text[1024], want_text[1024];

    report_release(&report);
    describe_violations(&errs, got_text, sizeof(got_text));
    describe_expected(want, want_count, want_text, sizeof(want_text));
    ck_assert_msg(rc == -1, "%s was accepted", text);
    ck_assert_msg(match, "%s\n  got  %s\n  want %s", text, got_text, want_text);
}

/* Asserts that `text` is accepted with no violation; *report stays filled. */
static void
assert_accepted(const char *text, struct report *report)
{
    struct violations errs;
    char              got_text[1024];
    int               rc = parse_text(text, report, &errs);

    describe_violations(&errs, got_text, sizeof(got_text));
    ck_assert_msg(rc == 0 && errs.count == 0 && errs.dropped == 0, "%s refused: %s", text,
                  got_text);
}

/* ---- (a) the shared folders --------------------------------------------- */

START_TEST(test_vocabulary_fixture)
{
    struct vocab *vocab = fixture_vocab();

    ck_assert_uint_eq(vocab_count(vocab, VOCAB_SOURCE), 3);
    ck_assert_uint_eq(vocab_count(vocab, VOCAB_SCAM_TYPE), 11);
    ck_assert_uint_eq(vocab_count(vocab, VOCAB_STAGE), 7);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "contact"), 1);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "repeat_payment"), 7);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "CNY"), 2);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "JPY"), 0);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "KWD"), 3);
    ck_assert(vocab_has(vocab, VOCAB_REGION, "441900"));
    ck_assert(vocab_has(vocab, VOCAB_REGION, "110101"));
    ck_assert(!vocab_has(vocab, VOCAB_REGION, "999999"));
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_valid_folder)
{
    struct vocab *vocab = fixture_vocab();
    size_t        count, checked = 0, mismatches = 0;
    char        **names = testutil_list_data("reports/valid", ".json", &count);
    char          first[1400] = "";
    int64_t       now_s = (int64_t)time(NULL);

    for (size_t i = 0; i < count; i++) {
        size_t            len;
        char             *rel, *text;
        json_error_t      error;
        json_t           *doc;
        struct report     report;
        struct violations errs;
        char              why[1400], got_text[1024];
        int               rc;

        ck_assert(asprintf(&rel, "reports/valid/%s", names[i]) > 0);
        text = testutil_read_data(rel, &len);
        free(rel);
        checked++;
        doc = body_parse_json(text, len, &error);
        free(text);
        if (doc == NULL) {
            snprintf(why, sizeof(why), "valid/%s: malformed at line %d: %s", names[i],
                     error.line, error.text);
        } else {
            violations_init(&errs);
            rc = report_parse(doc, vocab, now_s, &report, &errs);
            report_release(&report);
            json_decref(doc);
            if (rc == 0 && errs.count == 0 && errs.dropped == 0)
                continue;
            describe_violations(&errs, got_text, sizeof(got_text));
            snprintf(why, sizeof(why), "valid/%s: returned %d with %s", names[i], rc, got_text);
        }
        fprintf(stderr, "%s\n", why);
        if (mismatches++ == 0)
            snprintf(first, sizeof(first), "%s", why);
    }
    testutil_free_list(names);
    vocab_unref(vocab);
    ck_assert_msg(checked >= REPORT_MIN_VALID, "only %zu valid reports, want >= %d", checked,
                  REPORT_MIN_VALID);
    ck_assert_msg(mismatches == 0, "%zu of %zu valid reports refused; first: %s", mismatches,
                  checked, first);
}
END_TEST

/* Reads invalid/<name>/expect.json into *status and a new array of the
 * expected pairs (borrowing from *expect, which the caller decrefs). */
static struct expected_violation *
load_expect(const char *name, json_t **expect, int *status, size_t *count)
{
    char                      *rel, *text;
    json_error_t               error;
    json_t                    *errors, *item;
    struct expected_violation *want;
    size_t                     i;

    ck_assert(asprintf(&rel, "reports/invalid/%s/expect.json", name) > 0);
    text = testutil_read_data(rel, NULL);
    free(rel);
    *expect = json_loads(text, 0, &error);
    free(text);
    ck_assert_msg(*expect != NULL, "invalid/%s/expect.json: %s", name, error.text);
    ck_assert_msg(json_is_integer(json_object_get(*expect, "status")),
                  "invalid/%s/expect.json has no integer status", name);
    *status = (int)json_integer_value(json_object_get(*expect, "status"));
    errors = json_object_get(*expect, "errors");
    *count = json_array_size(errors);
    want = calloc(*count + 1, sizeof(*want));
    ck_assert(want != NULL);
    json_array_foreach(errors, i, item) {
        want[i].pointer = json_string_value(json_object_get(item, "pointer"));
        want[i].code = json_string_value(json_object_get(item, "code"));
        ck_assert_msg(want[i].pointer != NULL && want[i].code != NULL,
                      "invalid/%s/expect.json: errors[%zu] needs pointer and code", name, i);
    }
    return want;
}

/* Checks one 422 case; returns false with the reason in why. */
static bool
invalid_case_matches(const char *name, const struct vocab *vocab, int64_t now_s,
                     const struct expected_violation *want, size_t want_count, char *why,
                     size_t why_size)
{
    char             *rel, *text;
    size_t            len;
    json_error_t      error;
    json_t           *doc;
    struct report     report;
    struct violations errs;
    char              got_text[1024], want_text[1024];
    int               rc;
    bool              match;

    ck_assert(asprintf(&rel, "reports/invalid/%s/body", name) > 0);
    text = testutil_read_data(rel, &len);
    free(rel);
    doc = body_parse_json(text, len, &error);
    free(text);
    describe_expected(want, want_count, want_text, sizeof(want_text));
    if (doc == NULL) {
        snprintf(why, why_size, "invalid/%s: refused as malformed JSON (%s), want 422 with %s",
                 name, error.text, want_text);
        return false;
    }
    violations_init(&errs);
    rc = report_parse(doc, vocab, now_s, &report, &errs);
    report_release(&report);
    json_decref(doc);
    match = expect_violations_match(&errs, want, want_count);
    if (rc == -1 && match)
        return true;
    describe_violations(&errs, got_text, sizeof(got_text));
    snprintf(why, why_size, "invalid/%s: returned %d\n  got  %s\n  want %s", name, rc, got_text,
             want_text);
    return false;
}

START_TEST(test_invalid_folder)
{
    struct vocab *vocab = fixture_vocab();
    size_t        count, checked = 0, skipped = 0, mismatches = 0;
    char        **names = testutil_list_data("reports/invalid", NULL, &count);
    char          first[2400] = "";
    int64_t       now_s = (int64_t)time(NULL);

    for (size_t i = 0; i < count; i++) {
        json_t                    *expect;
        int                        status;
        size_t                     want_count;
        struct expected_violation *want = load_expect(names[i], &expect, &status, &want_count);
        char                       why[2400];
        bool                       ok;

        /* 400, 413 and 415 are decided before validation: not this layer's. */
        if (status != 422) {
            skipped++;
            free(want);
            json_decref(expect);
            continue;
        }
        checked++;
        if (want_count == 0) {
            snprintf(why, sizeof(why), "invalid/%s: a 422 case must list its errors", names[i]);
            ok = false;
        } else {
            ok = invalid_case_matches(names[i], vocab, now_s, want, want_count, why,
                                      sizeof(why));
        }
        free(want);
        json_decref(expect);
        if (ok)
            continue;
        fprintf(stderr, "%s\n", why);
        if (mismatches++ == 0)
            snprintf(first, sizeof(first), "%s", why);
    }
    testutil_free_list(names);
    vocab_unref(vocab);
    ck_assert_msg(checked >= REPORT_MIN_INVALID, "only %zu 422 cases (%zu skipped), want >= %d",
                  checked, skipped, REPORT_MIN_INVALID);
    ck_assert_msg(mismatches == 0, "%zu of %zu 422 cases differ; first: %s", mismatches,
                  checked, first);
}
END_TEST

/* ---- (c) direct rules ---------------------------------------------------- */

/* The article's first case: the number is normalised, the apps kept in the
 * order the victim named them, the loss in fen. */
START_TEST(test_domain_case_1)
{
    struct report     report;
    struct violations errs;

    ck_assert_int_eq(parse_data("reports/valid/domain_case_1.json", &report, &errs), 0);
    ck_assert_uint_eq(errs.count, 0);
    ck_assert_str_eq(report.source, "victim");
    ck_assert_str_eq(report.scam_type, "fake_customer_service");
    ck_assert_str_eq(report.stage, "repeat_payment");
    ck_assert_str_eq(report.channel, "phone_call");
    ck_assert_str_eq(report.impersonated, "alipay_customer_service");
    ck_assert_str_eq(report.info_leak, "waybill_leak");
    ck_assert_str_eq(report.occurred_at, "2020-10-30T12:00:00+08:00");
    ck_assert_str_eq(report.region, "441900");
    ck_assert_str_eq(report.locality, "塘厦镇清湖头社区");
    ck_assert(report.has_loss);
    ck_assert_int_eq(report.loss.amount_minor, 6400000);
    ck_assert_str_eq(report.loss.currency, "CNY");

    ck_assert_uint_eq(report.phone_count, 1);
    ck_assert_str_eq(report.phones[0].raw, "+86 138 0000 0000");
    ck_assert(report.phones[0].normalised);
    ck_assert_str_eq(report.phones[0].phone.e164, "+8613800000000");
    ck_assert_str_eq(report.phones[0].phone.type, "mobile");
    ck_assert_str_eq(report.phones[0].phone.region, "CN");
    ck_assert(report.phones[0].phone.leading_plus);
    ck_assert(!report.phones[0].phone.international);
    ck_assert(report.phones[0].phone.valid);

    ck_assert_uint_eq(report.app_count, 4);
    ck_assert_str_eq(report.apps[0].value, "开会宝");
    ck_assert_str_eq(report.apps[0].qualifier, "screen_share");
    ck_assert_str_eq(report.apps[1].value, "企业微信");
    ck_assert_str_eq(report.apps[1].qualifier, "chat");
    ck_assert_str_eq(report.apps[2].value, "支付宝");
    ck_assert_str_eq(report.apps[2].qualifier, "payment");
    ck_assert_str_eq(report.apps[3].value, "抖音");
    ck_assert_str_eq(report.apps[3].qualifier, "platform");

    ck_assert_uint_eq(report.account_count, 0);
    ck_assert_uint_eq(report.url_count, 0);
    ck_assert_uint_eq(report.chat_id_count, 0);
    ck_assert_ptr_null(report.narrative);
    ck_assert_ptr_null(report.case_number);
    ck_assert_ptr_null(report.station);
    ck_assert_ptr_null(report.victim_age_band);
    ck_assert_ptr_null(report.victim_name);
    report_release(&report);
}
END_TEST

/* The second case: a US number calling, flagged international. */
START_TEST(test_domain_case_2)
{
    struct report     report;
    struct violations errs;

    ck_assert_int_eq(parse_data("reports/valid/domain_case_2.json", &report, &errs), 0);
    ck_assert_str_eq(report.source, "public");
    ck_assert_str_eq(report.stage, "contact");
    ck_assert_uint_eq(report.phone_count, 1);
    ck_assert_str_eq(report.phones[0].raw, "+1 (202) 555-0147");
    ck_assert(report.phones[0].normalised);
    ck_assert_str_eq(report.phones[0].phone.e164, "+12025550147");
    ck_assert(report.phones[0].phone.international);
    ck_assert(report.phones[0].phone.leading_plus);
    ck_assert_str_eq(report.phones[0].phone.region, "US");
    ck_assert(report.has_loss);
    ck_assert_int_eq(report.loss.amount_minor, 0);
    report_release(&report);
}
END_TEST

/* An unparseable number is evidence too: kept raw, flagged, not refused. */
START_TEST(test_unparseable_phone_kept)
{
    struct report report;

    assert_accepted("{\"source\": \"public\", \"scam_type\": \"other\", \"stage\": \"contact\","
                    " \"phones\": [\"abc123\", \"13800000000\"]}", &report);
    ck_assert_uint_eq(report.phone_count, 2);
    ck_assert_str_eq(report.phones[0].raw, "abc123");
    ck_assert(!report.phones[0].normalised);
    ck_assert_str_eq(report.phones[0].phone.e164, "");
    ck_assert(!report.phones[0].phone.valid);
    ck_assert_str_eq(report.phones[1].raw, "13800000000");
    ck_assert(report.phones[1].normalised);
    ck_assert_str_eq(report.phones[1].phone.e164, "+8613800000000");
    ck_assert(!report.phones[1].phone.leading_plus);
    report_release(&report);
}
END_TEST

/* Indicator lists keep the order they were sent in (API.md). */
START_TEST(test_indicator_order_kept)
{
    struct report report;

    assert_accepted(
        "{\"source\": \"victim\", \"scam_type\": \"task_rebate\", \"stage\": \"first_payment\","
        " \"phones\": [\"18600000009\", \"abc\", \"+86 139-0000-0001\", \"0769-22660002\"],"
        " \"apps\": [{\"name\": \"zeta\"}, {\"name\": \"alpha\", \"role\": \"loan\"},"
        "            {\"name\": \"mu\", \"role\": \"contact\"}],"
        " \"accounts\": [{\"value\": \"9\", \"kind\": \"other\"}, {\"value\": \"1\"}],"
        " \"urls\": [\"https://z.example\", \"https://a.example\", \"https://m.example\"],"
        " \"chat_ids\": [{\"value\": \"wx_b\", \"app\": \"微信\"}, {\"value\": \"qq_a\"}]}",
        &report);
    ck_assert_uint_eq(report.phone_count, 4);
    ck_assert_str_eq(report.phones[0].raw, "18600000009");
    ck_assert_str_eq(report.phones[1].raw, "abc");
    ck_assert_str_eq(report.phones[2].raw, "+86 139-0000-0001");
    ck_assert_str_eq(report.phones[3].raw, "0769-22660002");
    ck_assert_str_eq(report.phones[0].phone.e164, "+8618600000009");
    ck_assert_str_eq(report.phones[2].phone.e164, "+8613900000001");

    ck_assert_uint_eq(report.app_count, 3);
    ck_assert_str_eq(report.apps[0].value, "zeta");
    ck_assert_ptr_null(report.apps[0].qualifier);
    ck_assert_str_eq(report.apps[1].value, "alpha");
    ck_assert_str_eq(report.apps[1].qualifier, "loan");
    ck_assert_str_eq(report.apps[2].value, "mu");
    ck_assert_str_eq(report.apps[2].qualifier, "contact");

    ck_assert_uint_eq(report.account_count, 2);
    ck_assert_str_eq(report.accounts[0].value, "9");
    ck_assert_str_eq(report.accounts[0].qualifier, "other");
    ck_assert_str_eq(report.accounts[1].value, "1");
    ck_assert_ptr_null(report.accounts[1].qualifier);

    ck_assert_uint_eq(report.url_count, 3);
    ck_assert_str_eq(report.urls[0], "https://z.example");
    ck_assert_str_eq(report.urls[1], "https://a.example");
    ck_assert_str_eq(report.urls[2], "https://m.example");

    ck_assert_uint_eq(report.chat_id_count, 2);
    ck_assert_str_eq(report.chat_ids[0].value, "wx_b");
    ck_assert_str_eq(report.chat_ids[0].qualifier, "微信");
    ck_assert_str_eq(report.chat_ids[1].value, "qq_a");
    ck_assert_ptr_null(report.chat_ids[1].qualifier);
    report_release(&report);
}
END_TEST

START_TEST(test_police_only_fields_on_police)
{
    struct report report;

    assert_accepted("{\"source\": \"police\", \"scam_type\": \"fake_customer_service\","
                    " \"stage\": \"repeat_payment\", \"phones\": [\"13800000000\"],"
                    " \"case_number\": \"东公(塘)立字〔2020〕11301号\", \"station\": \"清湖头派出所\","
                    " \"victim\": {\"name\": \"王某\", \"contact\": \"13912340000\","
                    " \"age_band\": \"age_25_34\", \"gender\": \"female\"}}", &report);
    ck_assert_str_eq(report.case_number, "东公(塘)立字〔2020〕11301号");
    ck_assert_str_eq(report.station, "清湖头派出所");
    ck_assert_str_eq(report.victim_name, "王某");
    ck_assert_str_eq(report.victim_contact, "13912340000");
    ck_assert_str_eq(report.victim_age_band, "age_25_34");
    ck_assert_str_eq(report.victim_gender, "female");
    report_release(&report);
}
END_TEST

START_TEST(test_police_only_fields_elsewhere)
{
    static const struct expected_violation on_victim[] = {
        {"/victim/name", "not_allowed"}, {"/victim/contact", "not_allowed"},
        {"/case_number", "not_allowed"}, {"/station", "not_allowed"}};
    static const struct expected_violation police_bare[] = {{"/case_number", "required"},
                                                            {"/station", "required"}};
    static const struct expected_violation public_case[] = {{"/case_number", "not_allowed"}};

    assert_refused_with("{\"source\": \"victim\", \"scam_type\": \"other\", \"stage\": \"contact\","
                        " \"phones\": [\"13800000000\"], \"case_number\": \"A1\","
                        " \"station\": \"S\", \"victim\": {\"name\": \"王某\","
                        " \"contact\": \"139\"}}", on_victim, 4);
    assert_refused_with("{\"source\": \"public\", \"scam_type\": \"other\", \"stage\": \"contact\","
                        " \"phones\": [\"13800000000\"], \"case_number\": \"A1\"}", public_case,
                        1);
    assert_refused_with("{\"source\": \"police\", \"scam_type\": \"other\", \"stage\": \"contact\","
                        " \"phones\": [\"13800000000\"]}", police_bare, 2);
}
END_TEST

/* Writes `epoch_s` as RFC 3339 with the given offset in minutes, using the
 * C library, not the code under test. */
static void
format_time(int64_t epoch_s, int offset_min, char *out, size_t size)
{
    time_t    local = (time_t)(epoch_s + offset_min * 60);
    struct tm tm;
    char      date[32];

    ck_assert_ptr_nonnull(gmtime_r(&local, &tm));
    ck_assert(strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) > 0);
    if (offset_min == 0)
        snprintf(out, size, "%sZ", date);
    else
        snprintf(out, size, "%s%c%02d:%02d", date, offset_min < 0 ? '-' : '+',
                 abs(offset_min) / 60, abs(offset_min) % 60);
}

/* Asserts that a report occurring at `when` is refused with exactly
 * ("/occurred_at", code), or accepted as sent when code is NULL. */
static void
assert_occurred_at(const char *when, const char *code)
{
    char                      text[512];
    struct report             report;
    struct violations         errs;
    struct expected_violation want = {"/occurred_at", code};
    int                       rc;
    bool                      ok;

    snprintf(text, sizeof(text),
             "{\"source\": \"victim\", \"scam_type\": \"other\", \"stage\": \"contact\","
             " \"phones\": [\"13800000000\"], \"occurred_at\": \"%s\"}", when);
    rc = parse_text(text, &report, &errs);
    ok = code == NULL ? rc == 0 && errs.count == 0 && report.occurred_at != NULL
                        && strcmp(report.occurred_at, when) == 0
                      : rc == -1 && expect_violations_match(&errs, &want, 1);
    report_release(&report);
    ck_assert_msg(ok, "occurred_at \"%s\" (now %d): got %zu violations (first %s), want %s",
                  when, NOW_S, errs.count, errs.count ? errs.items[0].code : "none",
                  code ? code : "none");
}

/* Up to 300 s ahead of the server clock is skew, 301 s is the future. */
START_TEST(test_occurred_at_future_window)
{
    char when[64];

    format_time(NOW_S + 300, 0, when, sizeof(when));
    assert_occurred_at(when, NULL);
    format_time(NOW_S + 301, 0, when, sizeof(when));
    assert_occurred_at(when, "range");
    /* The same instants written in Beijing and New York local time. */
    format_time(NOW_S + 300, 8 * 60, when, sizeof(when));
    assert_occurred_at(when, NULL);
    format_time(NOW_S + 301, 8 * 60, when, sizeof(when));
    assert_occurred_at(when, "range");
    format_time(NOW_S + 300, -5 * 60, when, sizeof(when));
    assert_occurred_at(when, NULL);
    format_time(NOW_S + 301, -5 * 60, when, sizeof(when));
    assert_occurred_at(when, "range");
    format_time(NOW_S, 0, when, sizeof(when));
    assert_occurred_at(when, NULL);
    format_time(NOW_S + 86400, 0, when, sizeof(when));
    assert_occurred_at(when, "range");
}
END_TEST

/* 1990-01-01T00:00:00Z is the earliest instant, whatever the offset. */
START_TEST(test_occurred_at_earliest)
{
    assert_occurred_at("1990-01-01T00:00:00Z", NULL);
    assert_occurred_at("1989-12-31T23:59:59Z", "range");
    assert_occurred_at("1990-01-01T08:00:00+08:00", NULL);
    assert_occurred_at("1990-01-01T07:59:59+08:00", "range");
    assert_occurred_at("1989-12-31T19:00:00-05:00", NULL);
    assert_occurred_at("1989-12-31T18:59:59-05:00", "range");
    assert_occurred_at("1970-01-01T00:00:00Z", "range");
    /* Not RFC 3339 is a format problem, not a range one. */
    assert_occurred_at("1990-01-01", "format");
    assert_occurred_at("1990-01-01T00:00:00", "format");
}
END_TEST

START_TEST(test_unknown_codes)
{
    static const char *const unknown[] = {
        "\"scam_type\": \"phishing\", \"stage\": \"contact\"",
        "\"scam_type\": \"other\", \"stage\": \"contact\", \"region\": \"999999\"",
        "\"scam_type\": \"other\", \"stage\": \"contact\","
        " \"loss\": {\"amount\": 1, \"currency\": \"XYZ\"}",
        "\"scam_type\": \"other\", \"stage\": \"contact\", \"apps\": [{\"name\": \"a\","
        " \"role\": \"mining\"}]",
        "\"scam_type\": \"other\", \"stage\": \"contact\", \"victim\": {\"gender\": \"x\"}",
    };
    static const char *const known[] = {
        "\"scam_type\": \"other\"",
        "\"scam_type\": \"other\", \"stage\": \"contact\", \"region\": \"4419\"",
        "\"scam_type\": \"other\", \"stage\": 7",
        "\"scam_type\": \"other\", \"stage\": \"contact\", \"colour\": \"red\"",
    };
    struct violations none;

    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        char              text[512];
        struct report     report;
        struct violations errs;
        int               rc;

        snprintf(text, sizeof(text),
                 "{\"source\": \"victim\", \"phones\": [\"13800000000\"], %s}", unknown[i]);
        rc = parse_text(text, &report, &errs);
        report_release(&report);
        ck_assert_msg(rc == -1 && report_unknown_codes(&errs),
                      "%s: not reported as an unknown code", text);
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        char              text[512];
        struct report     report;
        struct violations errs;
        int               rc;

        snprintf(text, sizeof(text),
                 "{\"source\": \"victim\", \"phones\": [\"13800000000\"], %s}", known[i]);
        rc = parse_text(text, &report, &errs);
        report_release(&report);
        ck_assert_msg(rc == -1 && errs.count > 0, "%s was accepted", text);
        ck_assert_msg(!report_unknown_codes(&errs), "%s: reported as an unknown code", text);
    }
    violations_init(&none);
    ck_assert(!report_unknown_codes(&none));
}
END_TEST

/* A list of the wrong type is one `type` problem; the other members are
 * still checked ("errors lists EVERY invalid field at once"). */
START_TEST(test_wrong_list_type_keeps_validating)
{
    static const struct expected_violation phones_string[] = {{"/phones", "type"},
                                                              {"/narrative", "type"}};
    static const struct expected_violation police_apps[] = {
        {"/apps", "too_long"}, {"/case_number", "required"}, {"/station", "required"}};
    static const struct expected_violation victim_bad[] = {{"/victim/age_band", "unknown_code"},
                                                           {"/narrative", "type"}};
    char  *text;
    size_t used;

    assert_refused_with("{\"source\": \"victim\", \"scam_type\": \"other\", \"stage\": \"contact\","
                        " \"apps\": [{\"name\": \"抖音\"}], \"phones\": \"13800000000\","
                        " \"narrative\": 5}", phones_string, 2);
    assert_refused_with("{\"source\": \"victim\", \"scam_type\": \"other\", \"stage\": \"contact\","
                        " \"phones\": [\"13800000000\"], \"victim\": {\"age_band\": \"age_200\"},"
                        " \"narrative\": 5}", victim_bad, 2);

    /* 101 apps on a police report without its case fields. */
    text = malloc(4096);
    ck_assert(text != NULL);
    used = (size_t)sprintf(text, "{\"source\": \"police\", \"scam_type\": \"other\","
                                 " \"stage\": \"contact\", \"apps\": [");
    for (int i = 0; i < REPORT_LIST_MAX + 1; i++)
        used += (size_t)sprintf(text + used, "%s{\"name\": \"a%d\"}", i ? ", " : "", i);
    sprintf(text + used, "]}");
    assert_refused_with(text, police_apps, 3);
    free(text);
}
END_TEST

/* Releasing a report that was never filled, or twice, is harmless: the
 * handler's single exit releases whatever state it reached. */
START_TEST(test_release_zeroed)
{
    struct report     report;
    struct violations errs;

    memset(&report, 0, sizeof(report));
    report_release(&report);
    report_release(&report);

    ck_assert_int_eq(parse_data("reports/valid/police_full.json", &report, &errs), 0);
    report_release(&report);
    ck_assert_ptr_null(report.doc);
    ck_assert_ptr_null(report.phones);
    ck_assert_uint_eq(report.phone_count, 0);
    report_release(&report);
}
END_TEST

/* The report keeps the document alive: the caller may drop its own
 * reference right after parsing (ASan reports a use after free if not). */
START_TEST(test_report_holds_doc)
{
    static const char text[] = "{\"source\": \"public\", \"scam_type\": \"other\","
                               " \"stage\": \"contact\", \"urls\": [\"http://refund.example\"]}";
    struct vocab     *vocab = fixture_vocab();
    json_error_t      error;
    json_t           *doc = body_parse_json(text, sizeof(text) - 1, &error);
    struct report     report;
    struct violations errs;

    ck_assert_msg(doc != NULL, "%s", error.text);
    violations_init(&errs);
    ck_assert_int_eq(report_parse(doc, vocab, NOW_S, &report, &errs), 0);
    ck_assert_uint_eq(doc->refcount, 2);
    json_decref(doc);
    vocab_unref(vocab);
    ck_assert_str_eq(report.source, "public");
    ck_assert_uint_eq(report.url_count, 1);
    ck_assert_str_eq(report.urls[0], "http://refund.example");
    report_release(&report);
}
END_TEST

static bool
same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_named(const struct report_named *a, const struct report_named *b, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!same_string(a[i].value, b[i].value) || !same_string(a[i].qualifier, b[i].qualifier))
            return false;
    return true;
}

static bool
same_report(const struct report *a, const struct report *b)
{
    if (!same_string(a->source, b->source) || !same_string(a->scam_type, b->scam_type)
        || !same_string(a->stage, b->stage) || !same_string(a->channel, b->channel)
        || !same_string(a->impersonated, b->impersonated)
        || !same_string(a->info_leak, b->info_leak)
        || !same_string(a->occurred_at, b->occurred_at) || !same_string(a->region, b->region)
        || !same_string(a->locality, b->locality) || !same_string(a->narrative, b->narrative)
        || !same_string(a->case_number, b->case_number) || !same_string(a->station, b->station)
        || !same_string(a->victim_age_band, b->victim_age_band)
        || !same_string(a->victim_gender, b->victim_gender)
        || !same_string(a->victim_name, b->victim_name)
        || !same_string(a->victim_contact, b->victim_contact))
        return false;
    if (a->has_loss != b->has_loss || a->loss.amount_minor != b->loss.amount_minor
        || !same_string(a->loss.currency, b->loss.currency))
        return false;
    if (a->phone_count != b->phone_count || a->app_count != b->app_count
        || a->account_count != b->account_count || a->url_count != b->url_count
        || a->chat_id_count != b->chat_id_count)
        return false;
    for (size_t i = 0; i < a->phone_count; i++) {
        const struct report_phone *pa = &a->phones[i], *pb = &b->phones[i];

        if (!same_string(pa->raw, pb->raw) || pa->normalised != pb->normalised
            || strcmp(pa->phone.e164, pb->phone.e164) != 0
            || strcmp(pa->phone.type, pb->phone.type) != 0
            || strcmp(pa->phone.region, pb->phone.region) != 0
            || pa->phone.valid != pb->phone.valid
            || pa->phone.leading_plus != pb->phone.leading_plus
            || pa->phone.international != pb->phone.international)
            return false;
    }
    for (size_t i = 0; i < a->url_count; i++)
        if (!same_string(a->urls[i], b->urls[i]))
            return false;
    return same_named(a->apps, b->apps, a->app_count)
        && same_named(a->accounts, b->accounts, a->account_count)
        && same_named(a->chat_ids, b->chat_ids, a->chat_id_count);
}

/* Parsing the same document twice gives the same report, and each report
 * holds a reference of its own. */
START_TEST(test_parse_twice_equal)
{
    static const char *const files[] = {"reports/valid/police_full.json",
                                        "reports/valid/domain_case_1.json",
                                        "reports/valid/unparseable_phone.json"};
    struct vocab *vocab = fixture_vocab();

    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        size_t            len;
        char             *text = testutil_read_data(files[f], &len);
        json_error_t      error;
        json_t           *doc = body_parse_json(text, len, &error);
        struct report     first, second;
        struct violations errs_first, errs_second;

        free(text);
        ck_assert_msg(doc != NULL, "%s: %s", files[f], error.text);
        violations_init(&errs_first);
        violations_init(&errs_second);
        ck_assert_int_eq(report_parse(doc, vocab, NOW_S, &first, &errs_first), 0);
        ck_assert_int_eq(report_parse(doc, vocab, NOW_S, &second, &errs_second), 0);
        ck_assert_uint_eq(doc->refcount, 3);
        ck_assert_msg(same_report(&first, &second), "%s: two parses differ", files[f]);
        ck_assert_msg(first.phone_count + first.app_count + first.url_count > 0,
                      "%s: nothing to compare", files[f]);
        report_release(&first);
        ck_assert_uint_eq(doc->refcount, 2);
        report_release(&second);
        ck_assert_uint_eq(doc->refcount, 1);
        json_decref(doc);
    }
    vocab_unref(vocab);
}
END_TEST

/* police_full.json carries every member: all of them land in the struct. */
START_TEST(test_police_full_members)
{
    struct report     report;
    struct violations errs;

    ck_assert_int_eq(parse_data("reports/valid/police_full.json", &report, &errs), 0);
    ck_assert_str_eq(report.source, "police");
    ck_assert_str_eq(report.case_number, "东公(塘)立字〔2020〕11301号");
    ck_assert_str_eq(report.victim_name, "王晓燕受害人姓名");
    ck_assert_str_eq(report.victim_age_band, "age_25_34");
    ck_assert_int_eq(report.loss.amount_minor, 1167088);
    ck_assert_uint_eq(report.phone_count, 2);
    ck_assert_str_eq(report.phones[1].raw, "021-6543 2100");
    ck_assert_uint_eq(report.app_count, 3);
    ck_assert_uint_eq(report.account_count, 2);
    ck_assert_str_eq(report.accounts[1].value, "refund-desk@example.com");
    ck_assert_str_eq(report.accounts[1].qualifier, "alipay");
    ck_assert_uint_eq(report.url_count, 2);
    ck_assert_uint_eq(report.chat_id_count, 2);
    ck_assert_str_eq(report.chat_ids[1].qualifier, "开会宝");
    /* The narrative keeps its newlines and tab. */
    ck_assert_ptr_nonnull(strchr(report.narrative, '\n'));
    ck_assert_ptr_nonnull(strchr(report.narrative, '\t'));
    report_release(&report);
}
END_TEST

Suite *
report_suite(void)
{
    Suite *suite = suite_create("report");
    TCase *folders = tcase_create("folders");
    TCase *direct = tcase_create("direct");

    /* Over a hundred reports under ASan on a busy machine. */
    tcase_set_timeout(folders, 30);
    tcase_add_test(folders, test_vocabulary_fixture);
    tcase_add_test(folders, test_valid_folder);
    tcase_add_test(folders, test_invalid_folder);
    suite_add_tcase(suite, folders);

    tcase_add_test(direct, test_domain_case_1);
    tcase_add_test(direct, test_domain_case_2);
    tcase_add_test(direct, test_police_full_members);
    tcase_add_test(direct, test_unparseable_phone_kept);
    tcase_add_test(direct, test_indicator_order_kept);
    tcase_add_test(direct, test_police_only_fields_on_police);
    tcase_add_test(direct, test_police_only_fields_elsewhere);
    tcase_add_test(direct, test_occurred_at_future_window);
    tcase_add_test(direct, test_occurred_at_earliest);
    tcase_add_test(direct, test_unknown_codes);
    tcase_add_test(direct, test_wrong_list_type_keeps_validating);
    tcase_add_test(direct, test_release_zeroed);
    tcase_add_test(direct, test_report_holds_doc);
    tcase_add_test(direct, test_parse_twice_equal);
    suite_add_tcase(suite, direct);
    return suite;
}
