/*
 * ratelimit_suite: token buckets on a simulated clock: a burst up to the
 * quota then refusal, refill over time, the exact header values, keys and
 * classes apart, a table that stays within its slots, and threads that
 * together never get more than the quota and its refill.
 */
#include "http/ratelimit.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"

#define HAMMER_THREADS 4
#define HAMMER_TAKES   20000

/* q=60;w=60: one request a second, 60 at once. */
static const struct ratelimit_class classes[] = {
    {"default", 60, 60},
    {"public", 5, 10},      /* one every 2 s, 5 at once */
};

static struct ratelimit *
limits_new(size_t slots)
{
    struct ratelimit *limits = ratelimit_create(classes, 2, slots);

    ck_assert(limits != NULL);
    return limits;
}

static struct ratelimit_verdict
take(struct ratelimit *limits, size_t class_index, const char *key, int64_t now_ms)
{
    struct ratelimit_verdict verdict;

    ck_assert_int_eq(ratelimit_take(limits, class_index, key, now_ms, &verdict), 0);
    return verdict;
}

START_TEST(test_burst_then_refused)
{
    struct ratelimit        *limits = limits_new(16);
    struct ratelimit_verdict v;

    for (unsigned i = 1; i <= 60; i++) {
        v = take(limits, 0, "abcdefgh", 1000);
        ck_assert_msg(v.allowed, "request %u of 60 was refused", i);
        ck_assert_uint_eq(v.remaining, 60 - i);
        ck_assert_uint_eq(v.retry_after_s, 0);
    }
    v = take(limits, 0, "abcdefgh", 1000);
    ck_assert(!v.allowed);
    ck_assert_uint_eq(v.remaining, 0);
    ck_assert_uint_eq(v.retry_after_s, 1);
    ratelimit_destroy(limits);
}
END_TEST

START_TEST(test_refill)
{
    struct ratelimit        *limits = limits_new(16);
    struct ratelimit_verdict v;

    for (int i = 0; i < 5; i++)
        ck_assert(take(limits, 1, "10.0.0.1", 0).allowed);
    v = take(limits, 1, "10.0.0.1", 0);
    ck_assert(!v.allowed);
    ck_assert_uint_eq(v.retry_after_s, 2);
    /* One request every 2 s: not yet at 1.999 s, again at 2 s. */
    ck_assert(!take(limits, 1, "10.0.0.1", 1999).allowed);
    v = take(limits, 1, "10.0.0.1", 2000);
    ck_assert(v.allowed);
    ck_assert_uint_eq(v.remaining, 0);
    v = take(limits, 1, "10.0.0.1", 2001);
    ck_assert(!v.allowed);
    ck_assert_uint_eq(v.retry_after_s, 2);      /* 1,999 ms, rounded up */
    /* 7 s later 3.5 requests came back: 3 allowed, then refused. */
    for (int i = 0; i < 3; i++)
        ck_assert_msg(take(limits, 1, "10.0.0.1", 9001).allowed, "refill request %d", i);
    v = take(limits, 1, "10.0.0.1", 9001);
    ck_assert(!v.allowed);
    ck_assert_uint_eq(v.retry_after_s, 1);      /* half a request left: 1 s more */
    /* Idle for far longer than the window: full again, not more than full. */
    v = take(limits, 1, "10.0.0.1", 1000000);
    ck_assert(v.allowed);
    ck_assert_uint_eq(v.remaining, 4);
    ratelimit_destroy(limits);
}
END_TEST

/* Refilling stops at the quota, also within one window. */
START_TEST(test_refill_stops_at_quota)
{
    struct ratelimit *limits = limits_new(16);

    ck_assert(take(limits, 1, "k", 0).allowed);
    for (int i = 0; i < 5; i++)
        ck_assert(take(limits, 1, "k", 9999).allowed);
    ck_assert(!take(limits, 1, "k", 9999).allowed);
    ratelimit_destroy(limits);
}
END_TEST

/* A clock that goes back (another thread's older reading) gives nothing. */
START_TEST(test_clock_going_back)
{
    struct ratelimit *limits = limits_new(16);

    for (int i = 0; i < 5; i++)
        ck_assert(take(limits, 1, "k", 50000).allowed);
    ck_assert(!take(limits, 1, "k", 0).allowed);
    ck_assert(!take(limits, 1, "k", 51999).allowed);
    ck_assert(take(limits, 1, "k", 52000).allowed);
    ratelimit_destroy(limits);
}
END_TEST

START_TEST(test_headers_exact)
{
    struct ratelimit        *limits = limits_new(16);
    struct ratelimit_verdict v = take(limits, 0, "abcdefgh", 0);

    ck_assert_str_eq(v.policy_header, "\"default\";q=60;w=60");
    /* One taken, back in 1 s. */
    ck_assert_str_eq(v.ratelimit_header, "\"default\";r=59;t=1");
    for (int i = 0; i < 29; i++)
        take(limits, 0, "abcdefgh", 0);
    v = take(limits, 0, "abcdefgh", 0);
    ck_assert_str_eq(v.ratelimit_header, "\"default\";r=29;t=31");
    /* 500 ms later half a request is back and one more is taken: 28.5
     * left, full in 31.5 s; both are rounded the cautious way. */
    v = take(limits, 0, "abcdefgh", 500);
    ck_assert_str_eq(v.ratelimit_header, "\"default\";r=28;t=32");
    for (int i = 0; i < 28; i++)
        ck_assert(take(limits, 0, "abcdefgh", 500).allowed);
    /* Refused: r=0 and t is when the next request is allowed, which is
     * also Retry-After (the draft's section 6). */
    v = take(limits, 0, "abcdefgh", 500);
    ck_assert(!v.allowed);
    ck_assert_str_eq(v.ratelimit_header, "\"default\";r=0;t=1");
    ck_assert_uint_eq(v.retry_after_s, 1);
    v = take(limits, 1, "10.0.0.1", 0);
    ck_assert_str_eq(v.policy_header, "\"public\";q=5;w=10");
    ck_assert_str_eq(v.ratelimit_header, "\"public\";r=4;t=2");
    ratelimit_destroy(limits);
}
END_TEST

START_TEST(test_keys_apart)
{
    struct ratelimit *limits = limits_new(16);

    for (int i = 0; i < 5; i++)
        ck_assert(take(limits, 1, "192.0.2.1", 0).allowed);
    ck_assert(!take(limits, 1, "192.0.2.1", 0).allowed);
    /* Another address, and the same text in another class, start full. */
    ck_assert_uint_eq(take(limits, 1, "192.0.2.2", 0).remaining, 4);
    ck_assert_uint_eq(take(limits, 0, "192.0.2.1", 0).remaining, 59);
    ck_assert(!take(limits, 1, "192.0.2.1", 0).allowed);
    ck_assert_uint_eq(ratelimit_count(limits), 3);
    ratelimit_destroy(limits);
}
END_TEST

START_TEST(test_bad_arguments)
{
    static const struct ratelimit_class bad_name[] = {{"Default", 1, 1}};
    static const struct ratelimit_class quoted[] = {{"a\"b", 1, 1}};
    static const struct ratelimit_class no_quota[] = {{"a", 0, 1}};
    static const struct ratelimit_class no_window[] = {{"a", 1, 0}};
    static const struct ratelimit_class long_window[] = {{"a", 1, RATELIMIT_WINDOW_MAX + 1}};
    struct ratelimit                   *limits = limits_new(4);
    struct ratelimit_verdict            v;
    char                                long_key[RATELIMIT_KEY_MAX + 2];

    ck_assert(ratelimit_create(bad_name, 1, 4) == NULL);
    ck_assert(ratelimit_create(quoted, 1, 4) == NULL);
    ck_assert(ratelimit_create(no_quota, 1, 4) == NULL);
    ck_assert(ratelimit_create(no_window, 1, 4) == NULL);
    ck_assert(ratelimit_create(long_window, 1, 4) == NULL);
    ck_assert(ratelimit_create(classes, 2, 0) == NULL);
    ck_assert(ratelimit_create(classes, 0, 4) == NULL);
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    ck_assert_int_eq(ratelimit_take(limits, 0, long_key, 0, &v), -1);
    long_key[RATELIMIT_KEY_MAX] = '\0';
    ck_assert_int_eq(ratelimit_take(limits, 0, long_key, 0, &v), 0);
    ck_assert_int_eq(ratelimit_take(limits, 0, "", 0, &v), -1);
    ck_assert_int_eq(ratelimit_take(limits, 2, "k", 0, &v), -1);
    ratelimit_destroy(limits);
}
END_TEST

/* 10,000 keys through 16 slots: never more than 16 buckets, the latest
 * keys keep their state, the oldest were forgotten (they start full). */
START_TEST(test_eviction_bounded)
{
    struct ratelimit *limits = limits_new(16);
    char              key[32];

    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "198.51.100.%d", i);
        ck_assert(take(limits, 1, key, 0).allowed);
        ck_assert_uint_le(ratelimit_count(limits), 16);
    }
    ck_assert_uint_eq(ratelimit_count(limits), 16);
    snprintf(key, sizeof(key), "198.51.100.%d", 9999);
    ck_assert_uint_eq(take(limits, 1, key, 0).remaining, 3);
    snprintf(key, sizeof(key), "198.51.100.%d", 9984);
    ck_assert_uint_eq(take(limits, 1, key, 0).remaining, 3);
    /* 9984 was the least recently used until just now; the 0th is long
     * gone and comes back full. */
    ck_assert_uint_eq(take(limits, 1, "198.51.100.0", 0).remaining, 4);
    ck_assert_uint_eq(ratelimit_count(limits), 16);
    /* The figure the header promises: the buckets and their index only. */
    ck_assert_uint_le(ratelimit_memory_max(2, 100000), 100000 * 104 + 4096);
    ratelimit_destroy(limits);
}
END_TEST

/* A key used again is moved to the front, so it is not the one evicted. */
START_TEST(test_eviction_spares_recent)
{
    struct ratelimit *limits = limits_new(4);
    char              key[32];

    for (int i = 0; i < 5; i++)
        take(limits, 1, "kept", 0);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "passer-%d", i);
        take(limits, 1, key, 0);
        ck_assert(!take(limits, 1, "kept", 0).allowed);
    }
    ratelimit_destroy(limits);
}
END_TEST

struct hammer {
    struct ratelimit *limits;
    atomic_int_fast64_t *clock_ms;      /* shared simulated time */
    bool              advance;          /* whether this run's clock moves */
    unsigned          allowed;
};

static void *
hammer_run(void *arg)
{
    struct hammer *h = arg;

    for (int i = 0; i < HAMMER_TAKES; i++) {
        int64_t                  now = h->advance ? atomic_fetch_add(h->clock_ms, 1)
                                                  : atomic_load(h->clock_ms);
        struct ratelimit_verdict v;

        if (ratelimit_take(h->limits, 0, "shared", now, &v) == 0 && v.allowed)
            h->allowed++;
    }
    return NULL;
}

static unsigned
hammer(bool advance, int64_t *elapsed_ms)
{
    struct ratelimit   *limits = limits_new(8);
    atomic_int_fast64_t clock_ms = 0;
    pthread_t           threads[HAMMER_THREADS];
    struct hammer       work[HAMMER_THREADS];
    unsigned            allowed = 0;

    for (int t = 0; t < HAMMER_THREADS; t++) {
        work[t] = (struct hammer){.limits = limits, .clock_ms = &clock_ms, .advance = advance};
        ck_assert_int_eq(pthread_create(&threads[t], NULL, hammer_run, &work[t]), 0);
    }
    for (int t = 0; t < HAMMER_THREADS; t++) {
        pthread_join(threads[t], NULL);
        allowed += work[t].allowed;
    }
    *elapsed_ms = atomic_load(&clock_ms);
    ratelimit_destroy(limits);
    return allowed;
}

/* 80,000 requests at one instant: exactly the quota. With the clock
 * moving 1 ms a request, 80 s pass: at most the quota plus 80 refills,
 * and at least what the refill alone guarantees. */
START_TEST(test_threads_never_exceed)
{
    int64_t  elapsed_ms;
    unsigned allowed = hammer(false, &elapsed_ms);

    ck_assert_uint_eq(allowed, 60);
    allowed = hammer(true, &elapsed_ms);
    ck_assert_int_eq(elapsed_ms, HAMMER_THREADS * HAMMER_TAKES);
    ck_assert_uint_le(allowed, 60 + elapsed_ms / 1000);
    ck_assert_uint_ge(allowed, 60 + elapsed_ms / 1000 - HAMMER_THREADS);
}
END_TEST

Suite *
ratelimit_suite(void)
{
    Suite *suite = suite_create("ratelimit");
    TCase *buckets = tcase_create("buckets");
    TCase *table = tcase_create("table");

    tcase_add_test(buckets, test_burst_then_refused);
    tcase_add_test(buckets, test_refill);
    tcase_add_test(buckets, test_refill_stops_at_quota);
    tcase_add_test(buckets, test_clock_going_back);
    tcase_add_test(buckets, test_headers_exact);
    tcase_add_test(buckets, test_keys_apart);
    tcase_add_test(buckets, test_bad_arguments);
    tcase_add_test(table, test_eviction_bounded);
    tcase_add_test(table, test_eviction_spares_recent);
    tcase_add_test(table, test_threads_never_exceed);
    tcase_set_timeout(table, 30);
    suite_add_tcase(suite, buckets);
    suite_add_tcase(suite, table);
    return suite;
}
