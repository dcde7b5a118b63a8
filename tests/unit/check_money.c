/*
 * money_suite: money_parse() on loss objects: integer minor units within
 * 0..MONEY_AMOUNT_MAX, a known ISO 4217 code, and every problem reported at
 * its JSON Pointer under the base the caller gives.
 */
#include "domain/money.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "expect_violations.h"

static struct vocab *
currencies_new(void)
{
    struct vocab *vocab = vocab_new();

    ck_assert(vocab != NULL);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CURRENCY, "JPY", 0), 0);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CURRENCY, "CNY", 2), 0);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CURRENCY, "KWD", 3), 0);
    vocab_freeze(vocab);
    return vocab;
}

/* Parses `loss_text` at `base`; returns money_parse's result with *errs
 * and *out filled. The parsed JSON is returned in *doc for the caller to
 * drop once it no longer reads out->currency. */
static int
parse_loss(const char *loss_text, const char *base, struct money *out,
           struct violations *errs, json_t **doc)
{
    struct vocab *vocab = currencies_new();
    json_error_t  error;
    int           rc;

    *doc = json_loads(loss_text, JSON_DECODE_ANY, &error);
    ck_assert_msg(*doc != NULL, "test JSON %s: %s", loss_text, error.text);
    violations_init(errs);
    memset(out, 0, sizeof(*out));
    rc = money_parse(*doc, base, vocab, out, errs);
    vocab_unref(vocab);
    return rc;
}

/* Asserts that errs holds exactly `want`; lists what it got otherwise. */
static void
assert_violations(const struct violations *errs, const struct expected_violation *want,
                  size_t want_count)
{
    if (expect_violations_match(errs, want, want_count))
        return;
    for (size_t i = 0; i < errs->count; i++)
        fprintf(stderr, "  got (\"%s\", %s): %s\n", errs->items[i].pointer,
                errs->items[i].code, errs->items[i].detail);
    ck_assert_msg(false, "%zu violations (%zu dropped), want %zu starting with (\"%s\", %s)",
                  errs->count, errs->dropped, want_count,
                  want_count > 0 ? want[0].pointer : "", want_count > 0 ? want[0].code : "");
}

/* One loss object expected to fail with exactly one (pointer, code). */
static void
assert_one_violation(const char *loss_text, const char *base, const char *pointer,
                     const char *code)
{
    struct expected_violation want = {pointer, code};
    struct money              money;
    struct violations         errs;
    json_t                   *doc;
    int                       rc = parse_loss(loss_text, base, &money, &errs, &doc);

    json_decref(doc);
    ck_assert_msg(rc == -1, "%s was accepted", loss_text);
    assert_violations(&errs, &want, 1);
    ck_assert_msg(errs.items[0].detail[0] != '\0', "violation without a detail");
}

START_TEST(test_amount_bounds_accepted)
{
    struct money      money;
    struct violations errs;
    json_t           *doc;

    ck_assert_int_eq(parse_loss("{\"amount\": 0, \"currency\": \"CNY\"}", "/loss", &money,
                                &errs, &doc), 0);
    ck_assert_uint_eq(errs.count, 0);
    ck_assert_int_eq(money.amount_minor, 0);
    ck_assert_str_eq(money.currency, "CNY");
    json_decref(doc);

    ck_assert_int_eq(parse_loss("{\"amount\": 1000000000000, \"currency\": \"JPY\"}", "/loss",
                                &money, &errs, &doc), 0);
    ck_assert_uint_eq(errs.count, 0);
    ck_assert_int_eq(money.amount_minor, 1000000000000LL);
    ck_assert_int_eq(money.amount_minor, MONEY_AMOUNT_MAX);
    ck_assert_str_eq(money.currency, "JPY");
    json_decref(doc);

    /* The article's first payment: 11,670.88 yuan. */
    ck_assert_int_eq(parse_loss("{\"currency\": \"CNY\", \"amount\": 1167088}", "/loss", &money,
                                &errs, &doc), 0);
    ck_assert_int_eq(money.amount_minor, 1167088);
    json_decref(doc);
}
END_TEST

/* The currency is borrowed from the document, not copied. */
START_TEST(test_currency_borrowed_from_doc)
{
    struct money      money;
    struct violations errs;
    json_t           *doc;

    ck_assert_int_eq(parse_loss("{\"amount\": 5, \"currency\": \"KWD\"}", "/loss", &money, &errs,
                                &doc), 0);
    ck_assert_ptr_eq(money.currency, json_string_value(json_object_get(doc, "currency")));
    json_decref(doc);
}
END_TEST

START_TEST(test_amount_out_of_range)
{
    assert_one_violation("{\"amount\": -1, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "range");
    assert_one_violation("{\"amount\": 1000000000001, \"currency\": \"CNY\"}", "/loss",
                         "/loss/amount", "range");
    assert_one_violation("{\"amount\": -9223372036854775807, \"currency\": \"CNY\"}", "/loss",
                         "/loss/amount", "range");
    assert_one_violation("{\"amount\": 9223372036854775807, \"currency\": \"CNY\"}", "/loss",
                         "/loss/amount", "range");
}
END_TEST

/* jansson reads 100.0 and 1e3 as reals: money is never a float, even a
 * whole one. */
START_TEST(test_amount_real_is_type)
{
    assert_one_violation("{\"amount\": 100.0, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "type");
    assert_one_violation("{\"amount\": 1e3, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "type");
    assert_one_violation("{\"amount\": 100.5, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "type");
    assert_one_violation("{\"amount\": -0.0, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "type");
}
END_TEST

START_TEST(test_amount_other_types)
{
    assert_one_violation("{\"amount\": \"100\", \"currency\": \"CNY\"}", "/loss",
                         "/loss/amount", "type");
    assert_one_violation("{\"amount\": true, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "type");
    assert_one_violation("{\"amount\": [100], \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "type");
}
END_TEST

START_TEST(test_required_members)
{
    static const struct expected_violation both[] = {{"/loss/amount", "required"},
                                                     {"/loss/currency", "required"}};
    struct money      money;
    struct violations errs;
    json_t           *doc;

    assert_one_violation("{\"currency\": \"CNY\"}", "/loss", "/loss/amount", "required");
    assert_one_violation("{\"amount\": null, \"currency\": \"CNY\"}", "/loss", "/loss/amount",
                         "required");
    assert_one_violation("{\"amount\": 100}", "/loss", "/loss/currency", "required");
    assert_one_violation("{\"amount\": 100, \"currency\": null}", "/loss", "/loss/currency",
                         "required");

    ck_assert_int_eq(parse_loss("{}", "/loss", &money, &errs, &doc), -1);
    json_decref(doc);
    assert_violations(&errs, both, 2);
}
END_TEST

START_TEST(test_currency_type_and_code)
{
    assert_one_violation("{\"amount\": 100, \"currency\": 156}", "/loss", "/loss/currency",
                         "type");
    assert_one_violation("{\"amount\": 100, \"currency\": \"XYZ\"}", "/loss", "/loss/currency",
                         "unknown_code");
    /* ISO 4217 codes are upper case; the lists are matched exactly. */
    assert_one_violation("{\"amount\": 100, \"currency\": \"cny\"}", "/loss", "/loss/currency",
                         "unknown_code");
    assert_one_violation("{\"amount\": 100, \"currency\": \"\"}", "/loss", "/loss/currency",
                         "unknown_code");
}
END_TEST

START_TEST(test_extra_member)
{
    static const struct expected_violation escaped[] = {{"/loss/a~1b", "unknown_field"},
                                                        {"/loss/~0x", "unknown_field"}};
    struct money      money;
    struct violations errs;
    json_t           *doc;

    /* Valid amount and currency do not make up for an unknown member. */
    assert_one_violation("{\"amount\": 100, \"currency\": \"CNY\", \"cents\": 5}", "/loss",
                         "/loss/cents", "unknown_field");
    ck_assert_int_eq(parse_loss("{\"amount\": 1, \"currency\": \"CNY\", \"a/b\": 1, \"~x\": 2}",
                                "/loss", &money, &errs, &doc), -1);
    json_decref(doc);
    assert_violations(&errs, escaped, 2);
}
END_TEST

START_TEST(test_not_an_object)
{
    assert_one_violation("[1, \"CNY\"]", "/loss", "/loss", "type");
    assert_one_violation("100", "/loss", "/loss", "type");
    assert_one_violation("\"100 CNY\"", "/loss", "/loss", "type");
}
END_TEST

/* Every problem in one answer, not the first one only. */
START_TEST(test_every_problem_at_once)
{
    static const struct expected_violation want[] = {{"/loss/amount", "range"},
                                                     {"/loss/currency", "unknown_code"},
                                                     {"/loss/cents", "unknown_field"}};
    struct money      money;
    struct violations errs;
    json_t           *doc;

    ck_assert_int_eq(parse_loss("{\"amount\": -5, \"currency\": \"XYZ\", \"cents\": 3}", "/loss",
                                &money, &errs, &doc), -1);
    json_decref(doc);
    assert_violations(&errs, want, 3);
}
END_TEST

/* Pointers are built on the base the caller passes, whatever it is. */
START_TEST(test_pointer_base)
{
    assert_one_violation("{\"amount\": -1, \"currency\": \"CNY\"}", "", "/amount", "range");
    assert_one_violation("{\"amount\": 1, \"currency\": \"XYZ\"}", "/refunds/3",
                         "/refunds/3/currency", "unknown_code");
    assert_one_violation("{\"amount\": 1, \"currency\": \"CNY\", \"x\": 0}", "/a~1b",
                         "/a~1b/x", "unknown_field");
    assert_one_violation("{\"currency\": \"CNY\"}", "/victim/loss", "/victim/loss/amount",
                         "required");
    assert_one_violation("7", "/claims/0/loss", "/claims/0/loss", "type");
}
END_TEST

Suite *
money_suite(void)
{
    Suite *suite = suite_create("money");
    TCase *amount = tcase_create("amount");
    TCase *currency = tcase_create("currency");
    TCase *object = tcase_create("object");

    tcase_add_test(amount, test_amount_bounds_accepted);
    tcase_add_test(amount, test_amount_out_of_range);
    tcase_add_test(amount, test_amount_real_is_type);
    tcase_add_test(amount, test_amount_other_types);
    suite_add_tcase(suite, amount);

    tcase_add_test(currency, test_currency_borrowed_from_doc);
    tcase_add_test(currency, test_currency_type_and_code);
    suite_add_tcase(suite, currency);

    tcase_add_test(object, test_required_members);
    tcase_add_test(object, test_extra_member);
    tcase_add_test(object, test_not_an_object);
    tcase_add_test(object, test_every_problem_at_once);
    tcase_add_test(object, test_pointer_base);
    suite_add_tcase(suite, object);
    return suite;
}
