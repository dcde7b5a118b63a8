/*
 * Black-box tests of POST /v1/reports:batch: per-item results in input
 * order (ids for valid items, problems with item pointers for invalid
 * ones), all or nothing with ?atomic=true, the 1,000-item limit, and an
 * Idempotency-Key replaying the whole answer.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "test_db.h"

#define BATCH_PATH      "/v1/reports:batch"
#define MIXED_BODY      "batches/mixed/body.json"
#define MIXED_EXPECT    "batches/mixed/expect.json"
#define BASE_REPORT     "reports/valid/domain_case_2.json"
#define LOCATION_PREFIX "/v1/reports/"
#define ITEMS_MAX       1000
#define BATCH_BODY_MAX  (4 * 1024 * 1024)
/* A 1,000-item batch under the sanitizers takes about a second. */
#define BIG_TIMEOUT_MS  60000L

static void
post_batch(const char *path, const char *body, size_t body_len, const char *const *headers,
           struct http_response *out)
{
    struct http_request req = {
        .method = "POST", .path = path, .content_type = "application/json",
        .body = body, .body_len = body_len, .headers = headers, .timeout_ms = BIG_TIMEOUT_MS,
    };

    ck_assert_msg(http_client_perform(&req, out) == 0, "POST %s: %s", path, out->error);
}

/* Returns a new JSON text: `count` copies of the base report, item i with
 * the narrative "batch item <i>"; caller frees. */
static char *
batch_of(size_t count, size_t *len)
{
    size_t  base_len;
    char   *base_text = testutil_read_data(BASE_REPORT, &base_len);
    json_t *base = json_loadb(base_text, base_len, 0, NULL);
    json_t *items = json_array();
    char   *text;

    ck_assert(base != NULL && items != NULL);
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_deep_copy(base);

        json_object_set_new(item, "narrative", json_sprintf("batch item %zu", i));
        json_array_append_new(items, item);
    }
    text = json_dumps(items, JSON_COMPACT);
    ck_assert(text != NULL);
    *len = strlen(text);
    json_decref(items);
    json_decref(base);
    free(base_text);
    return text;
}

/* Fails unless resp is a 207 with one result per item; returns a new
 * reference to its results array. */
static json_t *
assert_multi_status(const struct http_response *resp, size_t count)
{
    json_t     *body, *results;
    const char *content_type = http_client_header(resp, "Content-Type");

    ck_assert_msg(resp->status == 207, "status %ld, expected 207: %.500s", resp->status,
                  resp->body);
    http_client_assert_common(resp);
    ck_assert_msg(content_type != NULL && strcmp(content_type, "application/json") == 0,
                  "207 Content-Type %s", content_type ? content_type : "(absent)");
    body = http_client_json(resp);
    results = json_incref(json_object_get(body, "results"));
    json_decref(body);
    ck_assert_msg(json_is_array(results) && json_array_size(results) == count,
                  "expected %zu results: %.500s", count, resp->body);
    for (size_t i = 0; i < count; i++) {
        json_t *index = json_object_get(json_array_get(results, i), "index");

        ck_assert_msg(json_is_integer(index) && json_integer_value(index) == (json_int_t)i,
                      "results/%zu has index %lld", i, (long long)json_integer_value(index));
    }
    return results;
}

/* A 201 result: a UUID id and its Location. Returns the id (borrowed). */
static const char *
assert_created(const json_t *result, size_t i)
{
    const char *id = json_string_value(json_object_get(result, "id"));
    const char *location = json_string_value(json_object_get(result, "location"));

    ck_assert_msg(json_integer_value(json_object_get(result, "status")) == 201,
                  "results/%zu is not 201", i);
    ck_assert_msg(http_client_is_uuid(id), "results/%zu id is not a UUID", i);
    ck_assert_msg(location != NULL && strncmp(location, LOCATION_PREFIX, 12) == 0
                      && strcmp(location + 12, id) == 0,
                  "results/%zu location %s does not name id %s", i, location, id);
    ck_assert_msg(json_object_get(result, "problem") == NULL, "results/%zu has a problem", i);
    return id;
}

/* `actual` (a problem's errors) holds exactly the expected (pointer,
 * code) pairs, in any order. */
static void
assert_errors(size_t i, const json_t *expected, const json_t *actual)
{
    size_t  count = json_array_size(expected);
    size_t  e;
    json_t *want;

    ck_assert_msg(json_array_size(actual) == count, "results/%zu: %zu errors, expected %zu", i,
                  json_array_size(actual), count);
    json_array_foreach(expected, e, want) {
        bool    found = false;
        size_t  a;
        json_t *got;

        json_array_foreach(actual, a, got) {
            found = found
                || (json_equal(json_object_get(got, "pointer"), json_object_get(want, "pointer"))
                    && json_equal(json_object_get(got, "code"), json_object_get(want, "code")));
        }
        ck_assert_msg(found, "results/%zu: no error at %s with code %s", i,
                      json_string_value(json_object_get(want, "pointer")),
                      json_string_value(json_object_get(want, "code")));
    }
}

/* The narrative of stored report `id`, read back over HTTP; a new string. */
static char *
stored_narrative(const char *id)
{
    char                *path;
    struct http_response resp;
    json_t              *report;
    char                *narrative;

    ck_assert(asprintf(&path, "%s%s", LOCATION_PREFIX, id) > 0);
    http_client_get(path, &resp);
    ck_assert_msg(resp.status == 200, "GET %s: %ld", path, resp.status);
    report = http_client_json(&resp);
    narrative = strdup(json_string_value(json_object_get(report, "narrative")));
    json_decref(report);
    http_client_response_free(&resp);
    free(path);
    return narrative;
}

START_TEST(test_mixed_items)
{
    size_t                body_len, expect_len;
    char                 *body = testutil_read_data(MIXED_BODY, &body_len);
    char                 *expect_text = testutil_read_data(MIXED_EXPECT, &expect_len);
    json_t               *expect = json_loadb(expect_text, expect_len, 0, NULL);
    json_t               *expected = json_object_get(expect, "results");
    struct http_response  resp;
    json_t               *results;
    long long             before = test_db_count("reports");
    long long             created = 0;

    ck_assert_msg(json_array_size(expected) == 6, "%s needs 6 results", MIXED_EXPECT);
    post_batch(BATCH_PATH, body, body_len, NULL, &resp);
    results = assert_multi_status(&resp, json_array_size(expected));
    for (size_t i = 0; i < json_array_size(expected); i++) {
        json_t *want = json_array_get(expected, i);
        json_t *result = json_array_get(results, i);

        if (json_integer_value(json_object_get(want, "status")) == 201) {
            char *narrative = stored_narrative(assert_created(result, i));

            ck_assert_str_eq(narrative, json_string_value(json_object_get(want, "narrative")));
            free(narrative);
            created++;
        } else {
            json_t *problem = json_object_get(result, "problem");

            ck_assert_msg(json_integer_value(json_object_get(result, "status")) == 422
                              && json_object_get(result, "id") == NULL,
                          "results/%zu should be a 422 without an id", i);
            ck_assert_str_eq(json_string_value(json_object_get(problem, "type")),
                             "/problems/invalid-report");
            assert_errors(i, json_object_get(want, "errors"), json_object_get(problem, "errors"));
        }
    }
    ck_assert_int_eq(test_db_count("reports"), before + created);

    json_decref(results);
    http_client_response_free(&resp);
    json_decref(expect);
    free(expect_text);
    free(body);
}
END_TEST

/* With ?atomic=true one invalid item refuses the batch: 422 with every
 * invalid item's errors, and nothing stored. */
START_TEST(test_atomic_refuses_all)
{
    size_t                body_len, expect_len;
    char                 *body = testutil_read_data(MIXED_BODY, &body_len);
    char                 *expect_text = testutil_read_data(MIXED_EXPECT, &expect_len);
    json_t               *expect = json_loadb(expect_text, expect_len, 0, NULL);
    json_t               *all_errors = json_array();
    json_t               *want, *problem;
    size_t                i;
    struct http_response  resp;
    struct test_db_counts before;

    json_array_foreach(json_object_get(expect, "results"), i, want) {
        if (json_object_get(want, "errors") != NULL)
            json_array_extend(all_errors, json_object_get(want, "errors"));
    }
    test_db_counts_take(&before);
    post_batch(BATCH_PATH "?atomic=true", body, body_len, NULL, &resp);
    problem = http_client_assert_problem(&resp, 422, "/problems/invalid-batch");
    assert_errors(0, all_errors, json_object_get(problem, "errors"));
    test_db_counts_assert_same(&before, "an atomic batch with invalid items");

    json_decref(problem);
    http_client_response_free(&resp);
    json_decref(all_errors);
    json_decref(expect);
    free(expect_text);
    free(body);
}
END_TEST

START_TEST(test_atomic_all_valid_stored)
{
    size_t               len;
    char                *body = batch_of(3, &len);
    struct http_response resp;
    json_t              *results;
    long long            before = test_db_count("reports");

    post_batch(BATCH_PATH "?atomic=true", body, len, NULL, &resp);
    results = assert_multi_status(&resp, 3);
    for (size_t i = 0; i < 3; i++)
        assert_created(json_array_get(results, i), i);
    ck_assert_int_eq(test_db_count("reports"), before + 3);
    json_decref(results);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

START_TEST(test_bad_atomic_parameter)
{
    size_t               len;
    char                *body = batch_of(1, &len);
    struct http_response resp;
    json_t              *problem;
    long long            before = test_db_count("reports");

    post_batch(BATCH_PATH "?atomic=yes", body, len, NULL, &resp);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-query");
    ck_assert_msg(strstr(json_string_value(json_object_get(problem, "detail")), "atomic") != NULL,
                  "400 does not name the parameter: %s", resp.body);
    ck_assert_int_eq(test_db_count("reports"), before);
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

/* 1,000 items: all stored, each result naming the report of its item. */
START_TEST(test_thousand_items)
{
    size_t               len;
    char                *body = batch_of(ITEMS_MAX, &len);
    struct http_response resp;
    json_t              *results;
    char                *ids = NULL;
    size_t               ids_size = 0;
    FILE                *ids_out = open_memstream(&ids, &ids_size);
    const char          *params[1];
    char                *in_order;
    long long            before = test_db_count("reports");

    ck_assert_msg(len > 65536, "a 1,000-item batch should exceed the 64 KiB default cap");
    post_batch(BATCH_PATH, body, len, NULL, &resp);
    results = assert_multi_status(&resp, ITEMS_MAX);
    for (size_t i = 0; i < ITEMS_MAX; i++)
        fprintf(ids_out, "%s%s", i == 0 ? "{" : ",", assert_created(json_array_get(results, i), i));
    fputc('}', ids_out);
    ck_assert(fclose(ids_out) == 0);
    ck_assert_int_eq(test_db_count("reports"), before + ITEMS_MAX);

    /* Result i names the report sent as item i. */
    params[0] = ids;
    in_order = test_db_scalar("select count(*) from unnest($1::uuid[]) with ordinality"
                              " as r(id, n) join reports p on p.id = r.id"
                              " where p.narrative = 'batch item ' || (r.n - 1)",
                              1, params);
    ck_assert_str_eq(in_order, "1000");

    free(in_order);
    free(ids);
    json_decref(results);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

static void
assert_batch_refused(const char *label, const char *body, size_t len, const char *code)
{
    struct http_response  resp;
    json_t               *problem, *errors;
    struct test_db_counts before;

    test_db_counts_take(&before);
    post_batch(BATCH_PATH, body, len, NULL, &resp);
    problem = http_client_assert_problem(&resp, 422, "/problems/invalid-batch");
    errors = json_object_get(problem, "errors");
    ck_assert_msg(json_array_size(errors) == 1
                      && strcmp(json_string_value(json_object_get(json_array_get(errors, 0),
                                                                  "pointer")), "") == 0
                      && strcmp(json_string_value(json_object_get(json_array_get(errors, 0),
                                                                  "code")), code) == 0,
                  "%s: expected one error at \"\" with code %s: %.500s", label, code, resp.body);
    test_db_counts_assert_same(&before, label);
    json_decref(problem);
    http_client_response_free(&resp);
}

START_TEST(test_over_thousand_items_refused)
{
    size_t               len;
    char                *body = batch_of(ITEMS_MAX + 1, &len);
    struct http_response resp;

    assert_batch_refused("1,001 items", body, len, "too_long");
    /* The sentence says what the limit is. */
    post_batch(BATCH_PATH, body, len, NULL, &resp);
    ck_assert_msg(strstr(resp.body, "at most 1000 reports") != NULL, "no limit in %.300s",
                  resp.body);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

START_TEST(test_not_a_list_refused)
{
    static const char    malformed[] = "[{\"source\": ";
    struct http_response resp;
    json_t              *problem;

    assert_batch_refused("an empty array", "[]", 2, "empty");
    assert_batch_refused("an object", "{\"source\": \"victim\"}", 20, "type");
    assert_batch_refused("a string", "\"reports\"", 9, "type");
    post_batch(BATCH_PATH, malformed, strlen(malformed), NULL, &resp);
    problem = http_client_assert_problem(&resp, 400, "/problems/malformed-json");
    json_decref(problem);
    http_client_response_free(&resp);
}
END_TEST

/* The batch route's cap is 4 MiB: one byte more is refused unread. */
START_TEST(test_body_over_batch_cap)
{
    size_t               len = BATCH_BODY_MAX + 1;
    char                *body = malloc(len);
    struct http_response resp;
    json_t              *problem;

    ck_assert(body != NULL);
    memset(body, ' ', len);
    post_batch(BATCH_PATH, body, len, NULL, &resp);
    problem = http_client_assert_problem(&resp, 413, "/problems/body-too-large");
    ck_assert_msg(strstr(resp.body, "4194304") != NULL, "413 does not state the cap: %s",
                  resp.body);
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

/* An Idempotency-Key on a batch replays the whole 207. */
START_TEST(test_batch_replayed_with_key)
{
    size_t               len;
    char                *body = testutil_read_data(MIXED_BODY, &len);
    char                *header;
    const char          *headers[2] = {NULL, NULL};
    struct http_response first, second, atomic;
    json_t              *problem;
    long long            before = test_db_count("reports");

    ck_assert(asprintf(&header, "Idempotency-Key: \"batch-%ld\"", (long)getpid()) > 0);
    headers[0] = header;
    post_batch(BATCH_PATH, body, len, headers, &first);
    json_decref(assert_multi_status(&first, 6));
    post_batch(BATCH_PATH, body, len, headers, &second);
    ck_assert_int_eq(second.status, 207);
    ck_assert_msg(second.body_len == first.body_len
                      && memcmp(second.body, first.body, first.body_len) == 0,
                  "replayed 207 differs");
    ck_assert_str_eq(http_client_header(&second, "Idempotent-Replayed"), "true");
    ck_assert_int_eq(test_db_count("reports"), before + 3);

    /* ?atomic=true is another request, even with the same body. */
    post_batch(BATCH_PATH "?atomic=true", body, len, headers, &atomic);
    problem = http_client_assert_problem(&atomic, 422, "/problems/idempotency-key-reused");
    json_decref(problem);

    http_client_response_free(&first);
    http_client_response_free(&second);
    http_client_response_free(&atomic);
    free(header);
    free(body);
}
END_TEST

Suite *
http_batch_suite(void)
{
    Suite *suite = suite_create("http_batch");
    TCase *batches = tcase_create("batches");

    tcase_add_unchecked_fixture(batches, http_client_setup, http_client_teardown);
    tcase_set_timeout(batches, 120);
    tcase_add_test(batches, test_mixed_items);
    tcase_add_test(batches, test_atomic_refuses_all);
    tcase_add_test(batches, test_atomic_all_valid_stored);
    tcase_add_test(batches, test_bad_atomic_parameter);
    tcase_add_test(batches, test_thousand_items);
    tcase_add_test(batches, test_over_thousand_items_refused);
    tcase_add_test(batches, test_not_a_list_refused);
    tcase_add_test(batches, test_body_over_batch_cap);
    tcase_add_test(batches, test_batch_replayed_with_key);
    suite_add_tcase(suite, batches);
    return suite;
}
