/*
 * Black-box tests of every error answer: each case folder in
 * tests/data/reports/invalid (a raw body and the problem it must earn),
 * body size limits, unknown routes and wrong methods. Nothing may be
 * stored by any of them.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "test_db.h"

/* A case folder that went missing must not let the suite pass. */
#define MIN_INVALID_CASES 45
#define BODY_CAP_BYTES    65536
#define REPORTS_PATH      "/v1/reports"
#define SOME_UUID         "00000000-0000-4000-8000-000000000000"

/* A problem's `errors` must hold exactly the expected (pointer, code)
 * pairs, in any order, each with a non-empty detail. Borrows all. */
static void
assert_same_errors(const char *name, const json_t *expected, const json_t *actual,
                   const char *raw_body)
{
    size_t count = json_array_size(expected);
    bool  *matched;

    ck_assert_msg(json_is_array(expected), "%s: expect.json has no errors array", name);
    ck_assert_msg(json_is_array(actual), "%s: 422 without an errors array: %.500s", name,
                  raw_body);
    ck_assert_msg(json_array_size(actual) == count,
                  "%s: expected %zu errors, got %zu: %.1500s", name, count,
                  json_array_size(actual), raw_body);

    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get(actual, i);
        json_t *detail = json_object_get(item, "detail");

        ck_assert_msg(json_is_object(item) && json_is_string(json_object_get(item, "pointer"))
                          && json_is_string(json_object_get(item, "code")),
                      "%s: errors/%zu lacks a string pointer or code: %.1500s", name, i,
                      raw_body);
        ck_assert_msg(json_is_string(detail) && json_string_length(detail) > 0,
                      "%s: errors/%zu has no detail: %.1500s", name, i, raw_body);
    }

    matched = calloc(count + 1, sizeof(*matched));
    ck_assert(matched != NULL);
    for (size_t i = 0; i < count; i++) {
        const char *pointer = json_string_value(json_object_get(json_array_get(expected, i),
                                                                "pointer"));
        const char *code = json_string_value(json_object_get(json_array_get(expected, i),
                                                             "code"));
        bool        found = false;

        ck_assert_msg(pointer != NULL && code != NULL, "%s: expect.json errors/%zu is broken",
                      name, i);
        for (size_t j = 0; j < count && !found; j++) {
            json_t *item = json_array_get(actual, j);

            if (!matched[j]
                && strcmp(json_string_value(json_object_get(item, "pointer")), pointer) == 0
                && strcmp(json_string_value(json_object_get(item, "code")), code) == 0) {
                matched[j] = true;
                found = true;
            }
        }
        ck_assert_msg(found, "%s: no error {pointer \"%s\", code %s} in %.1500s", name, pointer,
                      code, raw_body);
    }
    free(matched);
}

static void
assert_parse_position(const char *name, const json_t *expect, const json_t *problem,
                      const char *raw_body)
{
    json_t *line = json_object_get(problem, "line");
    json_t *want_line = json_object_get(expect, "line");

    ck_assert_msg(json_is_integer(line) && json_integer_value(line) >= 1,
                  "%s: malformed-json without an integer line >= 1: %.500s", name, raw_body);
    ck_assert_msg(json_is_integer(json_object_get(problem, "column")),
                  "%s: malformed-json without an integer column: %.500s", name, raw_body);
    ck_assert_msg(json_is_integer(json_object_get(problem, "position")),
                  "%s: malformed-json without an integer position: %.500s", name, raw_body);
    if (want_line != NULL)
        ck_assert_msg(json_integer_value(line) == json_integer_value(want_line),
                      "%s: malformed-json at line %lld, expected %lld", name,
                      (long long)json_integer_value(line),
                      (long long)json_integer_value(want_line));
}

/* Sends invalid/<name>/body as its expect.json says and checks the answer. */
static void
run_invalid_case(const char *name)
{
    char                *rel;
    char                *body;
    char                *expect_text;
    size_t               body_len, expect_len;
    json_t              *expect, *content_type, *problem;
    json_error_t         error;
    struct http_request  req = { .method = "POST", .path = REPORTS_PATH };
    struct http_response resp;
    long                 status;
    const char          *type;
    struct test_db_counts before;

    ck_assert(asprintf(&rel, "reports/invalid/%s/body", name) > 0);
    body = testutil_read_data(rel, &body_len);
    free(rel);
    ck_assert(asprintf(&rel, "reports/invalid/%s/expect.json", name) > 0);
    expect_text = testutil_read_data(rel, &expect_len);
    free(rel);
    expect = json_loadb(expect_text, expect_len, 0, &error);
    ck_assert_msg(json_is_object(expect), "%s/expect.json: %s", name, error.text);
    ck_assert_msg(json_is_integer(json_object_get(expect, "status"))
                      && json_is_string(json_object_get(expect, "type")),
                  "%s/expect.json needs status and type", name);
    status = (long)json_integer_value(json_object_get(expect, "status"));
    type = json_string_value(json_object_get(expect, "type"));

    content_type = json_object_get(expect, "content_type");
    if (content_type == NULL)
        req.content_type = "application/json";
    else if (json_is_string(content_type))
        req.content_type = json_string_value(content_type);
    else
        req.content_type = NULL;    /* null: send no Content-Type at all */
    req.body = body;
    req.body_len = body_len;

    test_db_counts_take(&before);
    ck_assert_msg(http_client_perform(&req, &resp) == 0, "%s: %s", name, resp.error);
    ck_assert_msg(resp.status == status, "%s: status %ld, expected %ld: %.1500s", name,
                  resp.status, status, resp.body);
    problem = http_client_json(&resp);
    ck_assert_msg(json_is_string(json_object_get(problem, "type"))
                      && strcmp(json_string_value(json_object_get(problem, "type")), type) == 0,
                  "%s: problem type is not %s: %.1500s", name, type, resp.body);
    json_decref(problem);
    problem = http_client_assert_problem(&resp, status, type);

    if (status == 422)
        assert_same_errors(name, json_object_get(expect, "errors"),
                           json_object_get(problem, "errors"), resp.body);
    if (strcmp(type, "/problems/malformed-json") == 0)
        assert_parse_position(name, expect, problem, resp.body);
    test_db_counts_assert_same(&before, name);

    json_decref(problem);
    http_client_response_free(&resp);
    json_decref(expect);
    free(expect_text);
    free(body);
}

/* A missing or emptied data folder must fail, not pass with no cases. */
START_TEST(test_invalid_cases_present)
{
    size_t count = 0;
    char **names = testutil_list_data("reports/invalid", NULL, &count);

    ck_assert_msg(count >= MIN_INVALID_CASES, "only %zu invalid cases, expected at least %d",
                  count, MIN_INVALID_CASES);
    testutil_free_list(names);
}
END_TEST

/* One loop iteration per case folder (sorted by name), so that every
 * failing case is reported, not only the first. */
START_TEST(test_invalid_case)
{
    size_t count = 0;
    char **names = testutil_list_data("reports/invalid", NULL, &count);

    ck_assert_msg((size_t)_i < count, "case %d vanished while the suite ran", _i);
    run_invalid_case(names[_i]);
    testutil_free_list(names);
}
END_TEST

/* Returns a new JSON text of exactly `size` bytes: a report whose
 * narrative fills the rest. Caller frees. */
static char *
report_of_size(size_t size)
{
    static const char head[] = "{\"source\":\"victim\",\"scam_type\":\"other\","
                               "\"stage\":\"contact\",\"phones\":[\"1\"],\"narrative\":\"";
    static const char tail[] = "\"}";
    char             *body = malloc(size + 1);

    ck_assert(body != NULL && size > sizeof(head) + sizeof(tail));
    memcpy(body, head, sizeof(head) - 1);
    memset(body + sizeof(head) - 1, 'a', size - (sizeof(head) - 1) - (sizeof(tail) - 1));
    memcpy(body + size - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
    body[size] = '\0';
    return body;
}

START_TEST(test_body_over_cap_with_content_length)
{
    struct test_db_counts before;
    struct http_response  resp;
    char                 *body = report_of_size(BODY_CAP_BYTES + 1);
    json_t               *problem;

    test_db_counts_take(&before);
    http_client_post_json(REPORTS_PATH, body, BODY_CAP_BYTES + 1, &resp);
    problem = http_client_assert_problem(&resp, 413, "/problems/body-too-large");
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
    test_db_counts_assert_same(&before, "65,537-byte body");
}
END_TEST

/* Exactly at the cap the body is read and judged: its narrative is too
 * long, which is a 422, not a 413. */
START_TEST(test_body_at_cap_is_read)
{
    struct http_response resp;
    char                *body = report_of_size(BODY_CAP_BYTES);
    json_t              *problem, *errors, *item;

    http_client_post_json(REPORTS_PATH, body, BODY_CAP_BYTES, &resp);
    problem = http_client_assert_problem(&resp, 422, "/problems/invalid-report");
    errors = json_object_get(problem, "errors");
    ck_assert_msg(json_array_size(errors) == 1, "expected one error: %.500s", resp.body);
    item = json_array_get(errors, 0);
    ck_assert_str_eq(json_string_value(json_object_get(item, "pointer")), "/narrative");
    ck_assert_str_eq(json_string_value(json_object_get(item, "code")), "too_long");
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

START_TEST(test_chunked_body_over_cap)
{
    struct test_db_counts before;
    struct http_response  resp;
    size_t                size = BODY_CAP_BYTES + 16384;
    char                 *body = report_of_size(size);
    struct http_request   req = {
        .method = "POST", .path = REPORTS_PATH, .content_type = "application/json",
        .body = body, .body_len = size, .chunked = true,
    };
    json_t               *problem;

    test_db_counts_take(&before);
    ck_assert_msg(http_client_perform(&req, &resp) == 0, "chunked POST: %s", resp.error);
    problem = http_client_assert_problem(&resp, 413, "/problems/body-too-large");
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
    test_db_counts_assert_same(&before, "chunked body over the cap");
}
END_TEST

/* Without a Content-Length the body is still read (up to the cap). */
START_TEST(test_chunked_body_under_cap_accepted)
{
    static const char    body[] = "{\"source\":\"public\",\"scam_type\":\"other\","
                                  "\"stage\":\"contact\",\"phones\":[\"+86 138 0000 0000\"]}";
    struct http_request  req = {
        .method = "POST", .path = REPORTS_PATH, .content_type = "application/json",
        .body = body, .body_len = sizeof(body) - 1, .chunked = true,
    };
    struct http_response resp;

    ck_assert_msg(http_client_perform(&req, &resp) == 0, "chunked POST: %s", resp.error);
    ck_assert_msg(resp.status == 201, "chunked valid report answered %ld: %.500s", resp.status,
                  resp.body);
    http_client_assert_common(&resp);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_unknown_routes_not_found)
{
    static const struct {
        const char *method;
        const char *path;
    } routes[] = {
        { "GET", "/v1/nope" },
        { "GET", "/v1/reports/" },
        { "POST", "/v1/nope" },
        { "GET", "/" },
        { "GET", "/v2/reports" },
        { "GET", "/v1/vocabularies/extra" },
    };

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        struct http_request  req = {
            .method = routes[i].method, .path = routes[i].path,
            .content_type = "application/json",
        };
        struct http_response resp;
        json_t              *problem;

        if (strcmp(routes[i].method, "POST") == 0) {
            req.body = "{}";
            req.body_len = 2;
        }
        ck_assert_msg(http_client_perform(&req, &resp) == 0, "%s %s: %s", routes[i].method,
                      routes[i].path, resp.error);
        ck_assert_msg(resp.status == 404, "%s %s answered %ld", routes[i].method,
                      routes[i].path, resp.status);
        problem = http_client_assert_problem(&resp, 404, "/problems/not-found");
        json_decref(problem);
        http_client_response_free(&resp);
    }
}
END_TEST

START_TEST(test_wrong_method_not_allowed)
{
    static const struct {
        const char *method;
        const char *path;
        const char *allow;
    } routes[] = {
        { "PUT", "/v1/reports", "GET, POST" },
        { "DELETE", "/v1/reports", "GET, POST" },
        { "PATCH", "/v1/reports", "GET, POST" },
        { "DELETE", "/v1/reports/" SOME_UUID, "GET, PATCH" },
        { "PUT", "/v1/reports/" SOME_UUID, "GET, PATCH" },
        { "POST", "/v1/reports/" SOME_UUID, "GET, PATCH" },
        { "POST", "/v1/vocabularies", "GET" },
        { "POST", "/healthz", "GET" },
        { "DELETE", "/readyz", "GET" },
    };

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        struct http_request  req = {
            .method = routes[i].method, .path = routes[i].path,
            .content_type = "application/json",
        };
        struct http_response resp;
        json_t              *problem;
        const char          *allow;

        if (strcmp(routes[i].method, "GET") != 0) {
            req.body = "{}";
            req.body_len = 2;
        }
        ck_assert_msg(http_client_perform(&req, &resp) == 0, "%s %s: %s", routes[i].method,
                      routes[i].path, resp.error);
        ck_assert_msg(resp.status == 405, "%s %s answered %ld", routes[i].method,
                      routes[i].path, resp.status);
        problem = http_client_assert_problem(&resp, 405, "/problems/method-not-allowed");
        allow = http_client_header(&resp, "Allow");
        ck_assert_msg(allow != NULL && strcmp(allow, routes[i].allow) == 0,
                      "%s %s: Allow is '%s', expected '%s'", routes[i].method, routes[i].path,
                      allow != NULL ? allow : "(absent)", routes[i].allow);
        json_decref(problem);
        http_client_response_free(&resp);
    }
}
END_TEST

Suite *
http_errors_suite(void)
{
    Suite *suite = suite_create("http_errors");
    TCase *invalid = tcase_create("invalid_reports");
    TCase *limits = tcase_create("body_limits");
    TCase *routes = tcase_create("routes");

    tcase_add_unchecked_fixture(invalid, http_client_setup, http_client_teardown);
    tcase_set_timeout(invalid, 30);
    tcase_add_test(invalid, test_invalid_cases_present);
    tcase_add_loop_test(invalid, test_invalid_case, 0,
                        (int)testutil_count_data("reports/invalid", NULL));
    suite_add_tcase(suite, invalid);

    tcase_add_unchecked_fixture(limits, http_client_setup, http_client_teardown);
    tcase_set_timeout(limits, 30);
    tcase_add_test(limits, test_body_over_cap_with_content_length);
    tcase_add_test(limits, test_body_at_cap_is_read);
    tcase_add_test(limits, test_chunked_body_over_cap);
    tcase_add_test(limits, test_chunked_body_under_cap_accepted);
    suite_add_tcase(suite, limits);

    tcase_add_unchecked_fixture(routes, http_client_setup, http_client_teardown);
    tcase_set_timeout(routes, 30);
    tcase_add_test(routes, test_unknown_routes_not_found);
    tcase_add_test(routes, test_wrong_method_not_allowed);
    suite_add_tcase(suite, routes);
    return suite;
}
