/*
 * vocab_suite: code-list snapshots: adding, freezing, looking up codes and
 * their positions, kind names, and the reference count shared by threads.
 */
#include "domain/vocab.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"

#define VOCAB_THREADS 8
#define VOCAB_ROUNDS  20000

/* The names the API and the vocabulary_codes view use (API.md). */
static const char *const api_kind_names[] = {
    "sources", "scam_types", "stages", "channels", "app_roles", "impersonated_parties",
    "info_leaks", "account_kinds", "age_bands", "genders", "currencies", "regions", "case_statuses",
};

/* The stages in script order, added out of order. */
static struct vocab *
stages_new(void)
{
    static const char *const codes[] = {"repeat_payment", "contact", "remote_access",
                                        "pretext", "first_payment", "channel_switch",
                                        "credential_capture"};
    static const int positions[] = {7, 1, 4, 2, 6, 3, 5};
    struct vocab *vocab = vocab_new();

    ck_assert(vocab != NULL);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        ck_assert_int_eq(vocab_add(vocab, VOCAB_STAGE, codes[i], positions[i]), 0);
    return vocab;
}

START_TEST(test_new_is_empty)
{
    struct vocab *vocab = vocab_new();

    ck_assert(vocab != NULL);
    vocab_freeze(vocab);
    for (int kind = 0; kind < VOCAB_KIND_COUNT; kind++) {
        ck_assert_uint_eq(vocab_count(vocab, (enum vocab_kind)kind), 0);
        ck_assert(!vocab_has(vocab, (enum vocab_kind)kind, "other"));
        ck_assert_int_eq(vocab_position(vocab, (enum vocab_kind)kind, "other"), -1);
    }
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_add_freeze_lookup)
{
    struct vocab *vocab = stages_new();

    vocab_freeze(vocab);
    ck_assert_uint_eq(vocab_count(vocab, VOCAB_STAGE), 7);
    ck_assert(vocab_has(vocab, VOCAB_STAGE, "contact"));
    ck_assert(vocab_has(vocab, VOCAB_STAGE, "repeat_payment"));
    ck_assert(vocab_has(vocab, VOCAB_STAGE, "credential_capture"));
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "contact"), 1);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "pretext"), 2);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "channel_switch"), 3);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "remote_access"), 4);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "credential_capture"), 5);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "first_payment"), 6);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "repeat_payment"), 7);

    /* Exact match only: no case folding, no prefixes, no padding. */
    ck_assert(!vocab_has(vocab, VOCAB_STAGE, "Contact"));
    ck_assert(!vocab_has(vocab, VOCAB_STAGE, "contac"));
    ck_assert(!vocab_has(vocab, VOCAB_STAGE, "contact "));
    ck_assert(!vocab_has(vocab, VOCAB_STAGE, ""));
    ck_assert_int_eq(vocab_position(vocab, VOCAB_STAGE, "payment"), -1);

    /* Kinds are separate lists: a stage is not a scam type. */
    ck_assert(!vocab_has(vocab, VOCAB_SCAM_TYPE, "contact"));
    ck_assert_uint_eq(vocab_count(vocab, VOCAB_SCAM_TYPE), 0);
    vocab_unref(vocab);
}
END_TEST

/* The same code in two kinds keeps each kind's own position. */
START_TEST(test_same_code_in_two_kinds)
{
    struct vocab *vocab = vocab_new();

    ck_assert(vocab != NULL);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_SCAM_TYPE, "other", 11), 0);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_GENDER, "other", 3), 0);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_APP_ROLE, "contact", 1), 0);
    vocab_freeze(vocab);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_SCAM_TYPE, "other"), 11);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_GENDER, "other"), 3);
    ck_assert(vocab_has(vocab, VOCAB_APP_ROLE, "contact"));
    ck_assert(!vocab_has(vocab, VOCAB_STAGE, "contact"));
    ck_assert(!vocab_has(vocab, VOCAB_IMPERSONATED, "other"));
    vocab_unref(vocab);
}
END_TEST

/* Currencies keep their minor unit as the position, and 0 is a real one. */
START_TEST(test_currency_minor_units)
{
    struct vocab *vocab = vocab_new();

    ck_assert(vocab != NULL);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CURRENCY, "KWD", 3), 0);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CURRENCY, "JPY", 0), 0);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CURRENCY, "CNY", 2), 0);
    vocab_freeze(vocab);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "JPY"), 0);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "CNY"), 2);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "KWD"), 3);
    ck_assert_int_eq(vocab_position(vocab, VOCAB_CURRENCY, "USD"), -1);
    vocab_unref(vocab);
}
END_TEST

/* Thousands of regions (the real list has 3227): every one found after the
 * lists grew many times, none invented. */
START_TEST(test_many_codes)
{
    struct vocab *vocab = vocab_new();
    char          code[16];

    ck_assert(vocab != NULL);
    /* Descending, so freeze really has to sort. */
    for (int i = 3999; i >= 0; i--) {
        snprintf(code, sizeof(code), "%06d", 100000 + i * 7);
        ck_assert_int_eq(vocab_add(vocab, VOCAB_REGION, code, i), 0);
    }
    vocab_freeze(vocab);
    ck_assert_uint_eq(vocab_count(vocab, VOCAB_REGION), 4000);
    for (int i = 0; i < 4000; i++) {
        snprintf(code, sizeof(code), "%06d", 100000 + i * 7);
        ck_assert_msg(vocab_position(vocab, VOCAB_REGION, code) == i, "region %s lost", code);
        snprintf(code, sizeof(code), "%06d", 100000 + i * 7 + 1);
        ck_assert_msg(!vocab_has(vocab, VOCAB_REGION, code), "region %s invented", code);
    }
    vocab_unref(vocab);
}
END_TEST

/* add copies the code: the caller's buffer may change afterwards. */
START_TEST(test_add_copies_code)
{
    struct vocab *vocab = vocab_new();
    char          code[] = "sms";

    ck_assert(vocab != NULL);
    ck_assert_int_eq(vocab_add(vocab, VOCAB_CHANNEL, code, 2), 0);
    strcpy(code, "web");
    vocab_freeze(vocab);
    ck_assert(vocab_has(vocab, VOCAB_CHANNEL, "sms"));
    ck_assert(!vocab_has(vocab, VOCAB_CHANNEL, "web"));
    vocab_unref(vocab);
}
END_TEST

START_TEST(test_kind_names_round_trip)
{
    ck_assert_uint_eq(sizeof(api_kind_names) / sizeof(api_kind_names[0]), VOCAB_KIND_COUNT);
    for (int kind = 0; kind < VOCAB_KIND_COUNT; kind++) {
        const char *name = vocab_kind_name((enum vocab_kind)kind);

        ck_assert_ptr_nonnull(name);
        ck_assert_str_eq(name, api_kind_names[kind]);
        ck_assert_int_eq(vocab_kind_from_name(name), kind);
    }
    ck_assert_str_eq(vocab_kind_name(VOCAB_IMPERSONATED), "impersonated_parties");
    ck_assert_str_eq(vocab_kind_name(VOCAB_CURRENCY), "currencies");
}
END_TEST

START_TEST(test_unknown_kind_name)
{
    ck_assert_int_eq(vocab_kind_from_name("scam_type"), -1);
    ck_assert_int_eq(vocab_kind_from_name("Stages"), -1);
    ck_assert_int_eq(vocab_kind_from_name("stages "), -1);
    ck_assert_int_eq(vocab_kind_from_name("report_sources"), -1);
    ck_assert_int_eq(vocab_kind_from_name(""), -1);
    ck_assert_int_eq(vocab_kind_from_name("labels"), -1);
}
END_TEST

/* ref then two unrefs: still readable after the first, freed by the second
 * (ASan reports a use after free or a leak otherwise). */
START_TEST(test_refcount)
{
    struct vocab *vocab = stages_new();
    struct vocab *second;

    vocab_freeze(vocab);
    second = vocab_ref(vocab);
    ck_assert_ptr_eq(second, vocab);
    vocab_unref(vocab);
    ck_assert(vocab_has(second, VOCAB_STAGE, "pretext"));
    ck_assert_uint_eq(vocab_count(second, VOCAB_STAGE), 7);
    vocab_unref(second);

    ck_assert_ptr_null(vocab_ref(NULL));
    vocab_unref(NULL);
}
END_TEST

struct ref_worker {
    struct vocab      *vocab;
    pthread_barrier_t *start;
    size_t             misses;
};

/* No Check assertions here: they belong to the test's own thread. */
static void *
ref_worker_run(void *arg)
{
    struct ref_worker *worker = arg;

    pthread_barrier_wait(worker->start);
    for (int i = 0; i < VOCAB_ROUNDS; i++) {
        struct vocab *mine = vocab_ref(worker->vocab);

        if (!vocab_has(mine, VOCAB_STAGE, "repeat_payment"))
            worker->misses++;
        vocab_unref(mine);
    }
    return NULL;
}

/* Workers take and drop references concurrently, as request threads do;
 * a lost update would free the snapshot early (ASan) or never (leak). */
START_TEST(test_refcount_threads)
{
    struct vocab     *vocab = stages_new();
    struct ref_worker workers[VOCAB_THREADS];
    pthread_t         threads[VOCAB_THREADS];
    pthread_barrier_t start;
    size_t            misses = 0;

    vocab_freeze(vocab);
    ck_assert(pthread_barrier_init(&start, NULL, VOCAB_THREADS) == 0);
    for (size_t t = 0; t < VOCAB_THREADS; t++) {
        workers[t] = (struct ref_worker){.vocab = vocab, .start = &start};
        ck_assert(pthread_create(&threads[t], NULL, ref_worker_run, &workers[t]) == 0);
    }
    for (size_t t = 0; t < VOCAB_THREADS; t++) {
        ck_assert(pthread_join(threads[t], NULL) == 0);
        misses += workers[t].misses;
    }
    pthread_barrier_destroy(&start);
    ck_assert_uint_eq(misses, 0);
    ck_assert(vocab_has(vocab, VOCAB_STAGE, "contact"));
    vocab_unref(vocab);
}
END_TEST

Suite *
vocab_suite(void)
{
    Suite *suite = suite_create("vocab");
    TCase *lists = tcase_create("lists");
    TCase *kinds = tcase_create("kinds");
    TCase *refs = tcase_create("refs");

    tcase_add_test(lists, test_new_is_empty);
    tcase_add_test(lists, test_add_freeze_lookup);
    tcase_add_test(lists, test_same_code_in_two_kinds);
    tcase_add_test(lists, test_currency_minor_units);
    tcase_add_test(lists, test_many_codes);
    tcase_add_test(lists, test_add_copies_code);
    suite_add_tcase(suite, lists);

    tcase_add_test(kinds, test_kind_names_round_trip);
    tcase_add_test(kinds, test_unknown_kind_name);
    suite_add_tcase(suite, kinds);

    /* Many reference changes under ASan on a busy machine. */
    tcase_set_timeout(refs, 30);
    tcase_add_test(refs, test_refcount);
    tcase_add_test(refs, test_refcount_threads);
    suite_add_tcase(suite, refs);
    return suite;
}
