/*
 * Black-box tests of Idempotency-Key on POST /v1/reports: a retry gets the
 * first answer byte for byte and stores nothing, a different request with
 * the key is refused, two requests racing with one key store one report,
 * a refused request does not bind its key, and expired keys are purged.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "janitor.h"
#include "store/db.h"
#include "test_db.h"

#define REPORTS_PATH   "/v1/reports"
#define VALID_BODY     "reports/valid/domain_case_1.json"
#define OTHER_BODY     "reports/valid/domain_case_2.json"
#define SLOW_BODY      "reports/valid/phones_100.json"
#define MALFORMED_KEYS "idempotency/malformed_keys.txt"
/* The service scopes Idempotency-Keys by API key: "key:<prefix>" of the
 * suite's default key, which every request here sends. */
static const char *
test_scope(void)
{
    static char scope[32];

    http_client_actor(scope, sizeof(scope), NULL);
    return scope;
}
#define RACE_ROUNDS    5

/* Returns a new key string unique to this run and `name`; caller frees. */
static char *
key_for(const char *name)
{
    char *key;

    ck_assert(asprintf(&key, "t%ld-%s", (long)getpid(), name) > 0);
    return key;
}

/* POSTs body to path with `field` as the Idempotency-Key value (NULL: no
 * header). Fills *out; caller frees it. */
static void
post_keyed(const char *path, const char *field, const char *body, size_t body_len,
           struct http_response *out)
{
    char               *header = NULL;
    const char         *headers[2] = {NULL, NULL};
    struct http_request req = {
        .method = "POST", .path = path, .content_type = "application/json",
        .body = body, .body_len = body_len, .headers = headers,
    };

    if (field != NULL) {
        ck_assert(asprintf(&header, "Idempotency-Key: %s", field) > 0);
        headers[0] = header;
    }
    ck_assert_msg(http_client_perform(&req, out) == 0, "POST %s: %s", path, out->error);
    free(header);
}

/* Same, with the key sent as a quoted sf-string. */
static void
post_with_key(const char *key, const char *body, size_t body_len, struct http_response *out)
{
    char *field;

    ck_assert(asprintf(&field, "\"%s\"", key) > 0);
    post_keyed(REPORTS_PATH, field, body, body_len, out);
    free(field);
}

/* How many rows idempotency_keys holds for `key`, in any scope. */
static long long
key_rows(const char *key)
{
    const char *params[1] = {key};
    char       *count = test_db_scalar("select count(*) from idempotency_keys where key = $1",
                                       1, params);
    long long   rows = atoll(count);

    free(count);
    return rows;
}

static bool
is_replayed(const struct http_response *resp)
{
    const char *replayed = http_client_header(resp, "Idempotent-Replayed");

    return replayed != NULL && strcasecmp(replayed, "true") == 0;
}

/* Fails unless `second` is `first` again: status, body bytes, Location
 * and Content-Type, and says it is a replay. */
static void
assert_replay_of(const struct http_response *first, const struct http_response *second)
{
    const char *location = http_client_header(first, "Location");
    const char *replayed_location = http_client_header(second, "Location");

    ck_assert_msg(second->status == first->status, "replay status %ld, first %ld: %.300s",
                  second->status, first->status, second->body);
    ck_assert_msg(second->body_len == first->body_len
                      && memcmp(second->body, first->body, first->body_len) == 0,
                  "replayed body differs:\nfirst  %.600s\nreplay %.600s", first->body,
                  second->body);
    ck_assert_msg((location == NULL) == (replayed_location == NULL)
                      && (location == NULL || strcmp(location, replayed_location) == 0),
                  "replayed Location %s, first %s", replayed_location ? replayed_location : "-",
                  location ? location : "-");
    ck_assert_str_eq(http_client_header(second, "Content-Type"),
                     http_client_header(first, "Content-Type"));
    ck_assert_msg(is_replayed(second), "replay without Idempotent-Replayed: true");
    ck_assert_msg(!is_replayed(first), "first answer says Idempotent-Replayed");
    http_client_assert_common(second);
}

START_TEST(test_replay_is_the_first_answer)
{
    size_t               len;
    char                *body = testutil_read_data(VALID_BODY, &len);
    char                *key = key_for("replay");
    const char          *params[1] = {key};
    struct http_response first, second;
    long long            before = test_db_count("reports");
    char                *scope;

    post_with_key(key, body, len, &first);
    ck_assert_msg(first.status == 201, "first POST %ld: %.300s", first.status, first.body);
    post_with_key(key, body, len, &second);
    assert_replay_of(&first, &second);
    ck_assert_int_eq(test_db_count("reports"), before + 1);

    /* The key is the caller's: scoped by the address it came from. */
    scope = test_db_scalar("select scope from idempotency_keys where key = $1", 1, params);
    ck_assert_str_eq(scope, test_scope());
    free(scope);

    http_client_response_free(&first);
    http_client_response_free(&second);
    free(key);
    free(body);
}
END_TEST

START_TEST(test_other_request_with_key_refused)
{
    size_t                len, other_len;
    char                 *body = testutil_read_data(VALID_BODY, &len);
    char                 *other = testutil_read_data(OTHER_BODY, &other_len);
    char                 *key = key_for("reused");
    struct http_response  first, reused, again;
    struct test_db_counts after_first;
    json_t               *problem;

    post_with_key(key, body, len, &first);
    ck_assert_msg(first.status == 201, "first POST %ld: %.300s", first.status, first.body);
    test_db_counts_take(&after_first);

    post_with_key(key, other, other_len, &reused);
    problem = http_client_assert_problem(&reused, 422, "/problems/idempotency-key-reused");
    ck_assert(!is_replayed(&reused));
    test_db_counts_assert_same(&after_first, "a different body with a used key");

    /* The refusal did not disturb the key: the first request still replays. */
    post_with_key(key, body, len, &again);
    assert_replay_of(&first, &again);
    test_db_counts_assert_same(&after_first, "the replay after a refusal");

    json_decref(problem);
    http_client_response_free(&first);
    http_client_response_free(&reused);
    http_client_response_free(&again);
    free(key);
    free(other);
    free(body);
}
END_TEST

START_TEST(test_quoted_and_bare_key_are_one_key)
{
    size_t               len;
    char                *body = testutil_read_data(OTHER_BODY, &len);
    char                *key = key_for("forms:a/b.c_d~e");
    struct http_response quoted, bare, escaped, escaped_again;
    char                *field;

    post_keyed(REPORTS_PATH, key, body, len, &bare);
    ck_assert_msg(bare.status == 201, "bare token key: %ld %.300s", bare.status, bare.body);
    ck_assert(asprintf(&field, "\"%s\"", key) > 0);
    post_keyed(REPORTS_PATH, field, body, len, &quoted);
    assert_replay_of(&bare, &quoted);
    free(field);

    /* sf-string escapes: "a\"b\\c" is the key a"b\c. */
    ck_assert(asprintf(&field, "\"%s-a\\\"b\\\\c\"", key) > 0);
    post_keyed(REPORTS_PATH, field, body, len, &escaped);
    ck_assert_msg(escaped.status == 201, "escaped key: %ld %.300s", escaped.status,
                  escaped.body);
    post_keyed(REPORTS_PATH, field, body, len, &escaped_again);
    assert_replay_of(&escaped, &escaped_again);
    free(field);

    http_client_response_free(&bare);
    http_client_response_free(&quoted);
    http_client_response_free(&escaped);
    http_client_response_free(&escaped_again);
    free(key);
    free(body);
}
END_TEST

START_TEST(test_malformed_keys_refused)
{
    size_t                len, keys_len;
    char                 *body = testutil_read_data(VALID_BODY, &len);
    char                 *keys = testutil_read_data(MALFORMED_KEYS, &keys_len);
    char                 *save = NULL;
    int                   cases = 0;
    struct test_db_counts before;

    test_db_counts_take(&before);
    for (char *line = strtok_r(keys, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        struct http_response resp;
        json_t              *problem;

        if (line[0] == '#')
            continue;
        post_keyed(REPORTS_PATH, line, body, len, &resp);
        ck_assert_msg(resp.status == 400, "key field [%s]: %ld %.300s", line, resp.status,
                      resp.body);
        problem = http_client_assert_problem(&resp, 400, "/problems/invalid-idempotency-key");
        json_decref(problem);
        http_client_response_free(&resp);
        cases++;
    }
    ck_assert_msg(cases >= 10, "only %d malformed keys in %s", cases, MALFORMED_KEYS);
    test_db_counts_assert_same(&before, "malformed keys");
    free(keys);
    free(body);
}
END_TEST

START_TEST(test_two_key_fields_refused)
{
    size_t               len;
    char                *body = testutil_read_data(VALID_BODY, &len);
    const char          *headers[] = {"Idempotency-Key: \"one\"", "Idempotency-Key: \"two\"",
                                      NULL};
    struct http_request  req = {
        .method = "POST", .path = REPORTS_PATH, .content_type = "application/json",
        .body = body, .body_len = len, .headers = headers,
    };
    struct http_response resp;
    json_t              *problem;

    ck_assert(http_client_perform(&req, &resp) == 0);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-idempotency-key");
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

START_TEST(test_refused_request_does_not_bind_key)
{
    static const char    invalid[] = "{\"source\": \"victim\"}";
    static const char    malformed[] = "{\"source\": ";
    size_t               len;
    char                *body = testutil_read_data(VALID_BODY, &len);
    char                *key = key_for("unbound");
    struct http_response rejected, broken, accepted;
    json_t              *problem;
    long long            before = test_db_count("reports");

    post_with_key(key, invalid, strlen(invalid), &rejected);
    problem = http_client_assert_problem(&rejected, 422, "/problems/invalid-report");
    json_decref(problem);
    post_with_key(key, malformed, strlen(malformed), &broken);
    problem = http_client_assert_problem(&broken, 400, "/problems/malformed-json");
    json_decref(problem);
    ck_assert_int_eq(test_db_count("reports"), before);
    ck_assert_int_eq(key_rows(key), 0);

    post_with_key(key, body, len, &accepted);
    ck_assert_msg(accepted.status == 201, "valid body after refusals: %ld %.300s",
                  accepted.status, accepted.body);
    ck_assert(!is_replayed(&accepted));
    ck_assert_int_eq(test_db_count("reports"), before + 1);

    http_client_response_free(&rejected);
    http_client_response_free(&broken);
    http_client_response_free(&accepted);
    free(key);
    free(body);
}
END_TEST

/* A key whose first request is still running answers 409 with
 * Retry-After; once that claim is 60 s old it is taken to belong to a
 * request that died, and the next request takes the key over. */
START_TEST(test_running_key_in_use_then_stale)
{
    size_t               len;
    char                *body = testutil_read_data(OTHER_BODY, &len);
    char                *key = key_for("running");
    const char          *params[2] = {test_scope(), key};
    struct http_response first, busy, taken;
    json_t              *problem;
    long long            before;

    post_with_key(key, body, len, &first);
    ck_assert_msg(first.status == 201, "first POST %ld: %.300s", first.status, first.body);
    /* As the row looks while its request is between claim and COMMIT. */
    PQclear(test_db_query("update idempotency_keys set state = 'running', status = null,"
                          " location = null, response_body = null"
                          " where scope = $1 and key = $2",
                          2, params));
    before = test_db_count("reports");
    post_with_key(key, body, len, &busy);
    problem = http_client_assert_problem(&busy, 409, "/problems/idempotency-key-in-use");
    ck_assert_str_eq(http_client_header(&busy, "Retry-After"), "1");
    ck_assert_int_eq(test_db_count("reports"), before);
    json_decref(problem);

    PQclear(test_db_query("update idempotency_keys set created_at = now() - interval '61 s'"
                          " where scope = $1 and key = $2",
                          2, params));
    post_with_key(key, body, len, &taken);
    ck_assert_msg(taken.status == 201 && !is_replayed(&taken),
                  "stale claim not taken over: %ld %.300s", taken.status, taken.body);
    ck_assert_str_ne(http_client_header(&taken, "Location"),
                     http_client_header(&first, "Location"));
    ck_assert_int_eq(test_db_count("reports"), before + 1);

    http_client_response_free(&first);
    http_client_response_free(&busy);
    http_client_response_free(&taken);
    free(key);
    free(body);
}
END_TEST

/* One racer: a POST with the shared key, started with the other. */
struct racer {
    pthread_barrier_t   *start;
    const char          *key;
    const char          *body;
    size_t               body_len;
    struct http_response resp;
    int                  rc;
};

static void *
race(void *arg)
{
    struct racer       *racer = arg;
    char               *header = NULL;
    const char         *headers[2] = {NULL, NULL};
    struct http_request req = {
        .method = "POST", .path = REPORTS_PATH, .content_type = "application/json",
        .body = racer->body, .body_len = racer->body_len, .headers = headers,
    };

    racer->rc = -1;
    if (asprintf(&header, "Idempotency-Key: \"%s\"", racer->key) < 0)
        return NULL;
    headers[0] = header;
    pthread_barrier_wait(racer->start);
    racer->rc = http_client_perform(&req, &racer->resp);
    free(header);
    return NULL;
}

/* Two requests with one key at the same moment store one report: one
 * gets 201, the other 409 (still running) or the 201 replayed. */
START_TEST(test_concurrent_requests_store_once)
{
    size_t len;
    char  *body = testutil_read_data(SLOW_BODY, &len);

    for (int round = 0; round < RACE_ROUNDS; round++) {
        char              name[32];
        char             *key;
        pthread_barrier_t start;
        pthread_t         threads[2];
        struct racer      racers[2];
        long long         before = test_db_count("reports");
        struct racer     *created = NULL, *other = NULL;

        snprintf(name, sizeof(name), "race-%d", round);
        key = key_for(name);
        pthread_barrier_init(&start, NULL, 2);
        for (int i = 0; i < 2; i++) {
            racers[i] = (struct racer){.start = &start, .key = key, .body = body,
                                       .body_len = len};
            ck_assert(pthread_create(&threads[i], NULL, race, &racers[i]) == 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < 2; i++) {
            ck_assert_msg(racers[i].rc == 0, "round %d: request %d failed: %s", round, i,
                          racers[i].resp.error);
            if (racers[i].resp.status == 201 && !is_replayed(&racers[i].resp) && created == NULL)
                created = &racers[i];
            else
                other = &racers[i];
        }
        ck_assert_msg(created != NULL && other != NULL, "round %d: no fresh 201 (%ld, %ld)",
                      round, racers[0].resp.status, racers[1].resp.status);
        if (other->resp.status == 409) {
            json_t *problem = http_client_assert_problem(&other->resp, 409,
                                                         "/problems/idempotency-key-in-use");

            json_decref(problem);
        } else {
            assert_replay_of(&created->resp, &other->resp);
        }
        ck_assert_int_eq(test_db_count("reports"), before + 1);
        for (int i = 0; i < 2; i++)
            http_client_response_free(&racers[i].resp);
        free(key);
    }
    free(body);
}
END_TEST

static void
insert_key_row(const char *key, const char *age)
{
    const char *params[3] = {test_scope(), key, age};

    PQclear(test_db_query("insert into idempotency_keys"
                          " (scope, key, request_hash, state, status, response_body, created_at)"
                          " values ($1, $2, repeat('0', 64), 'done', 201, '{}',"
                          "  now() - $3::interval)",
                          3, params));
}

/* Keys are kept 24 h; the purge (the janitor's, run here on its own
 * connection pool) removes older ones, and the key is then free. */
START_TEST(test_expired_keys_purged)
{
    size_t               len;
    char                *body = testutil_read_data(VALID_BODY, &len);
    char                *expired = key_for("expired");
    char                *kept = key_for("kept");
    struct http_response before_purge, after_purge;
    json_t              *problem;
    struct db           *db;
    long                 deleted;

    insert_key_row(expired, "25 hours");
    insert_key_row(kept, "23 hours");
    /* Until purged, the old key is bound to another request. */
    post_with_key(expired, body, len, &before_purge);
    problem = http_client_assert_problem(&before_purge, 422, "/problems/idempotency-key-reused");
    json_decref(problem);

    db = db_create(testutil_env("FRAUD_TEST_DATABASE_URL"), 1, 2000, 5000);
    ck_assert(db != NULL);
    deleted = janitor_purge(db, 24, NULL);
    db_destroy(db);
    ck_assert_msg(deleted >= 0, "the purge failed");
    ck_assert_int_eq(key_rows(expired), 0);
    ck_assert_int_eq(key_rows(kept), 1);

    post_with_key(expired, body, len, &after_purge);
    ck_assert_msg(after_purge.status == 201 && !is_replayed(&after_purge),
                  "purged key is not a new request: %ld %.300s", after_purge.status,
                  after_purge.body);

    http_client_response_free(&before_purge);
    http_client_response_free(&after_purge);
    free(expired);
    free(kept);
    free(body);
}
END_TEST

Suite *
http_idempotency_suite(void)
{
    Suite *suite = suite_create("http_idempotency");
    TCase *keys = tcase_create("keys");

    tcase_add_unchecked_fixture(keys, http_client_setup, http_client_teardown);
    tcase_set_timeout(keys, 60);
    tcase_add_test(keys, test_replay_is_the_first_answer);
    tcase_add_test(keys, test_other_request_with_key_refused);
    tcase_add_test(keys, test_quoted_and_bare_key_are_one_key);
    tcase_add_test(keys, test_malformed_keys_refused);
    tcase_add_test(keys, test_two_key_fields_refused);
    tcase_add_test(keys, test_refused_request_does_not_bind_key);
    tcase_add_test(keys, test_running_key_in_use_then_stale);
    tcase_add_test(keys, test_concurrent_requests_store_once);
    tcase_add_test(keys, test_expired_keys_purged);
    suite_add_tcase(suite, keys);
    return suite;
}
