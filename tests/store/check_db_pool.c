/*
 * The connection pool (store/db.c) against the real throwaway PostgreSQL:
 * callers waiting for a connection get one in the order they asked, and a
 * caller that waits past the statement timeout gives up and leaves the
 * queue.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "domain/timestamp.h"
#include "store/db.h"
#include "suites.h"
#include "testutil.h"

#define WAITERS 6

struct waiter {
    struct db  *db;
    atomic_int *served;
    int         turn;  /* the order it was served in, from 0; -1: none */
};

static void *
wait_turn(void *arg)
{
    struct waiter  *w = arg;
    struct db_conn *conn = db_acquire(w->db);

    w->turn = conn != NULL ? atomic_fetch_add(w->served, 1) : -1;
    db_release(w->db, conn);
    return NULL;
}

/* Waits (up to 10 s) until `count` callers wait for a connection. */
static void
await_waiting(struct db *db, unsigned count)
{
    for (int i = 0; i < 10000 && db_waiting(db) < count; i++)
        usleep(1000);
    ck_assert_uint_eq(db_waiting(db), count);
}

/* With the pool's one connection lent, six callers come one after the
 * other; given back, it goes to each in the order they came. */
START_TEST(test_served_in_order)
{
    struct db      *db = db_create(testutil_env("FRAUD_TEST_DATABASE_URL"), 1, 5000, 5000);
    struct db_conn *held = db_acquire(db);
    atomic_int      served = 0;
    struct waiter   w[WAITERS];
    pthread_t       t[WAITERS];

    ck_assert_ptr_nonnull(held);
    for (int i = 0; i < WAITERS; i++) {
        w[i] = (struct waiter){db, &served, -1};
        ck_assert_int_eq(pthread_create(&t[i], NULL, wait_turn, &w[i]), 0);
        await_waiting(db, (unsigned)i + 1);
    }
    db_release(db, held);
    for (int i = 0; i < WAITERS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_msg(w[i].turn == i, "caller %d was served %d", i, w[i].turn);
    }
    ck_assert_uint_eq(db_waiting(db), 0);
    db_destroy(db);
}
END_TEST

/* A caller that finds no connection within the statement timeout (here a
 * second) gets none and leaves the queue; the connection given back later
 * goes to the next caller at once. */
START_TEST(test_wait_gives_up)
{
    struct db      *db = db_create(testutil_env("FRAUD_TEST_DATABASE_URL"), 1, 5000, 1000);
    struct db_conn *held = db_acquire(db), *late;
    struct timespec start;
    double          waited;

    ck_assert_ptr_nonnull(held);
    clock_gettime(CLOCK_MONOTONIC, &start);
    ck_assert_ptr_null(db_acquire(db));
    waited = timestamp_seconds_since(&start);
    ck_assert_msg(waited > 0.9 && waited < 5.0, "gave up after %.2f s", waited);
    ck_assert_uint_eq(db_waiting(db), 0);
    db_release(db, held);
    clock_gettime(CLOCK_MONOTONIC, &start);
    late = db_acquire(db);
    waited = timestamp_seconds_since(&start);
    ck_assert_ptr_nonnull(late);
    ck_assert_msg(waited < 0.5, "the free connection took %.2f s", waited);
    db_release(db, late);
    db_destroy(db);
}
END_TEST

Suite *
db_pool_suite(void)
{
    Suite *suite = suite_create("db_pool");
    TCase *pool = tcase_create("pool");

    tcase_add_test(pool, test_served_in_order);
    tcase_add_test(pool, test_wait_gives_up);
    suite_add_tcase(suite, pool);
    return suite;
}
