/*
 * Black-box tests of police updates: PATCH /v1/reports/{id} (JSON Merge
 * Patch under If-Match), the ETag of GET /v1/reports/{id} and
 * GET /v1/reports/{id}/history. Every refused update must leave the report,
 * its ETag and its history exactly as they were; each case folder in
 * tests/data/patches/invalid is applied to a fresh copy of
 * tests/data/patches/base.json.
 */
#include <check.h>
#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "test_db.h"

#define MIN_INVALID_PATCHES 20
#define MERGE_PATCH         "application/merge-patch+json"
#define UNKNOWN_ID          "00000000-0000-4000-8000-000000000000"
/* Rounds of the two-writer races; each round takes fresh reports. */
#define RACE_ROUNDS         12
#define CROSS_LINK_ROUNDS   6

/* A report as GET returns it, with its ETag, its history and how many
 * links it has: everything an update may change. */
struct snapshot {
    json_t   *report;
    char     *etag;
    json_t   *history;
    long long links;
};

static void
snapshot_free(struct snapshot *snap)
{
    json_decref(snap->report);
    json_decref(snap->history);
    free(snap->etag);
    memset(snap, 0, sizeof(*snap));
}

/* POSTs `body` as a new report; returns its id (caller frees). */
static char *
create_report(const char *body)
{
    struct http_response resp;
    json_t              *report;
    char                *id;

    http_client_post_json("/v1/reports", body, strlen(body), &resp);
    ck_assert_msg(resp.status == 201, "POST answered %ld: %.500s", resp.status, resp.body);
    report = http_client_json(&resp);
    ck_assert(json_is_string(json_object_get(report, "id")));
    id = strdup(json_string_value(json_object_get(report, "id")));
    ck_assert(id != NULL);
    json_decref(report);
    http_client_response_free(&resp);
    return id;
}

/* A new report from a file under tests/data; returns its id. */
static char *
create_report_from(const char *rel)
{
    char *body = testutil_read_data(rel, NULL);
    char *id = create_report(body);

    free(body);
    return id;
}

static char *
report_path(const char *id, const char *suffix)
{
    char *path;

    ck_assert(asprintf(&path, "/v1/reports/%s%s", id, suffix) > 0);
    return path;
}

/* The strong ETag of a representation: its version, quoted. */
static void
etag_of(const json_t *report, char *out, size_t size)
{
    snprintf(out, size, "\"%lld\"",
             (long long)json_integer_value(json_object_get(report, "version")));
}

/* GET the history; returns its "items" array (a new reference). */
static json_t *
history_items(const char *id)
{
    char                *path = report_path(id, "/history");
    struct http_response resp;
    json_t              *history, *items;

    http_client_get(path, &resp);
    ck_assert_msg(resp.status == 200, "GET %s answered %ld: %.300s", path, resp.status,
                  resp.body);
    http_client_assert_common(&resp);
    history = http_client_json(&resp);
    items = json_incref(json_object_get(history, "items"));
    ck_assert_msg(json_is_array(items) && json_object_size(history) == 1,
                  "history is not {\"items\": [...]}: %.300s", resp.body);
    json_decref(history);
    http_client_response_free(&resp);
    free(path);
    return items;
}

/* GET the report; fails unless 200 with an ETag that names its version. */
static void
take_snapshot(const char *id, struct snapshot *out)
{
    char                *path = report_path(id, "");
    struct http_response resp;
    const char          *etag;
    char                 expected[32];

    http_client_get(path, &resp);
    ck_assert_msg(resp.status == 200, "GET %s answered %ld", path, resp.status);
    out->report = http_client_json(&resp);
    etag = http_client_header(&resp, "ETag");
    etag_of(out->report, expected, sizeof(expected));
    ck_assert_msg(etag != NULL && strcmp(etag, expected) == 0,
                  "GET ETag is %s, but the report's version is %s", etag, expected);
    out->etag = strdup(etag);
    ck_assert(out->etag != NULL);
    out->history = history_items(id);
    out->links = test_db_count_report("report_links", id);
    http_client_response_free(&resp);
    free(path);
}

/* The report, its ETag, its history and its links are as they were. */
static void
assert_unchanged(const char *what, const char *id, const struct snapshot *before)
{
    struct snapshot after;

    take_snapshot(id, &after);
    ck_assert_msg(json_equal(after.report, before->report),
                  "%s: the report changed although the update was refused", what);
    ck_assert_msg(strcmp(after.etag, before->etag) == 0, "%s: ETag went from %s to %s", what,
                  before->etag, after.etag);
    ck_assert_msg(json_equal(after.history, before->history),
                  "%s: history went from %zu to %zu items", what,
                  json_array_size(before->history), json_array_size(after.history));
    ck_assert_msg(after.links == before->links, "%s: links went from %lld to %lld", what,
                  before->links, after.links);
    snapshot_free(&after);
}

/* PATCHes `body` with the given If-Match (NULL: none) and media type
 * (NULL: no Content-Type). Fills *out; caller frees it. */
static void
send_patch(const char *id, const char *if_match, const char *content_type, const char *body,
           struct http_response *out)
{
    char               *path = report_path(id, "");
    char               *if_match_line = NULL;
    const char         *headers[2] = {NULL, NULL};
    struct http_request req = {
        .method = "PATCH", .path = path, .content_type = content_type,
        .body = body, .body_len = strlen(body), .headers = headers,
    };

    if (if_match != NULL) {
        ck_assert(asprintf(&if_match_line, "If-Match: %s", if_match) > 0);
        headers[0] = if_match_line;
    }
    ck_assert_msg(http_client_perform(&req, out) == 0, "PATCH %s: %s", path, out->error);
    http_client_assert_common(out);
    free(if_match_line);
    free(path);
}

/* PATCHes a merge patch that must be applied; returns the 200 body,
 * whose version the response's ETag must name. */
static json_t *
patch_ok(const char *id, const char *if_match, const char *body)
{
    struct http_response resp;
    json_t              *report;
    const char          *etag;
    char                 expected[32];

    send_patch(id, if_match, MERGE_PATCH, body, &resp);
    ck_assert_msg(resp.status == 200, "PATCH %s answered %ld: %.1000s", body, resp.status,
                  resp.body);
    report = http_client_json(&resp);
    etag = http_client_header(&resp, "ETag");
    etag_of(report, expected, sizeof(expected));
    ck_assert_msg(etag != NULL && strcmp(etag, expected) == 0, "PATCH 200 ETag %s, not %s",
                  etag != NULL ? etag : "(absent)", expected);
    http_client_response_free(&resp);
    return report;
}

/* A problem's errors must be exactly the expected (pointer, code) pairs,
 * each with a detail. Borrows all. */
static void
assert_errors(const char *what, const json_t *expected, const json_t *problem)
{
    json_t *actual = json_object_get(problem, "errors");
    char   *text = json_dumps(problem, JSON_COMPACT);

    ck_assert_msg(json_is_array(actual) && json_array_size(actual) == json_array_size(expected),
                  "%s: expected %zu errors: %.1500s", what, json_array_size(expected), text);
    for (size_t i = 0; i < json_array_size(expected); i++) {
        const json_t *want = json_array_get(expected, i);
        bool          found = false;

        for (size_t j = 0; j < json_array_size(actual) && !found; j++) {
            const json_t *item = json_array_get(actual, j);

            found = json_equal(json_object_get(item, "pointer"), json_object_get(want, "pointer"))
                    && json_equal(json_object_get(item, "code"), json_object_get(want, "code"))
                    && json_string_length(json_object_get(item, "detail")) > 0;
        }
        ck_assert_msg(found, "%s: no error {%s, %s} with a detail in %.1500s", what,
                      json_string_value(json_object_get(want, "pointer")),
                      json_string_value(json_object_get(want, "code")), text);
    }
    free(text);
}

/* Sends a PATCH that must be refused with `status` and `type` and checks
 * that nothing changed. Returns the problem (a new reference). */
static json_t *
patch_refused(const char *what, const char *id, const char *if_match, const char *content_type,
              const char *body, long status, const char *type)
{
    struct snapshot      before;
    struct http_response resp;
    json_t              *problem;

    take_snapshot(id, &before);
    send_patch(id, if_match, content_type, body, &resp);
    problem = http_client_assert_problem(&resp, status, type);
    http_client_response_free(&resp);
    assert_unchanged(what, id, &before);
    snapshot_free(&before);
    return problem;
}

/* A refused merge patch under the current ETag: 422 with exactly the
 * errors in `errors_json`, nothing changed. */
static void
patch_invalid(const char *id, const char *body, const char *errors_json)
{
    struct snapshot before;
    json_t         *problem;
    json_t         *expected = json_loads(errors_json, 0, NULL);

    ck_assert_msg(expected != NULL, "bad expected errors in the test: %s", errors_json);
    take_snapshot(id, &before);
    problem = patch_refused(body, id, before.etag, MERGE_PATCH, body, 422,
                            "/problems/invalid-report");
    assert_errors(body, expected, problem);
    json_decref(problem);
    json_decref(expected);
    snapshot_free(&before);
}

static void
run_invalid_case(const char *name)
{
    char   *rel;
    char   *body;
    char   *expect_text;
    size_t  body_len;
    json_t *expect, *problem;
    char   *id = create_report_from("patches/base.json");

    ck_assert(asprintf(&rel, "patches/invalid/%s/patch", name) > 0);
    body = testutil_read_data(rel, &body_len);
    free(rel);
    ck_assert_msg(strlen(body) == body_len, "%s/patch holds a NUL byte", name);
    ck_assert(asprintf(&rel, "patches/invalid/%s/expect.json", name) > 0);
    expect_text = testutil_read_data(rel, NULL);
    free(rel);
    expect = json_loads(expect_text, 0, NULL);
    ck_assert_msg(json_is_integer(json_object_get(expect, "status"))
                      && json_is_string(json_object_get(expect, "type")),
                  "%s/expect.json needs status and type", name);
    problem = patch_refused(name, id, "\"1\"", MERGE_PATCH, body,
                            (long)json_integer_value(json_object_get(expect, "status")),
                            json_string_value(json_object_get(expect, "type")));
    if (json_object_get(expect, "errors") != NULL)
        assert_errors(name, json_object_get(expect, "errors"), problem);
    json_decref(problem);
    json_decref(expect);
    free(expect_text);
    free(body);
    free(id);
}

/* A missing or emptied data folder must fail, not pass with no cases. */
START_TEST(test_invalid_patches_present)
{
    size_t count = 0;
    char **names = testutil_list_data("patches/invalid", NULL, &count);

    ck_assert_msg(count >= MIN_INVALID_PATCHES, "only %zu invalid patches, expected %d", count,
                  MIN_INVALID_PATCHES);
    testutil_free_list(names);
}
END_TEST

START_TEST(test_invalid_patch)
{
    size_t count = 0;
    char **names = testutil_list_data("patches/invalid", NULL, &count);

    ck_assert_msg((size_t)_i < count, "case %d vanished while the suite ran", _i);
    run_invalid_case(names[_i]);
    testutil_free_list(names);
}
END_TEST

START_TEST(test_missing_if_match_is_428)
{
    char   *id = create_report_from("patches/base.json");
    json_t *problem;

    problem = patch_refused("no If-Match", id, NULL, MERGE_PATCH, "{\"status\": \"closed\"}",
                            428, "/problems/precondition-required");
    json_decref(problem);
    /* "*" names no version, so it protects no update either. */
    problem = patch_refused("If-Match: *", id, "*", MERGE_PATCH, "{\"status\": \"closed\"}",
                            428, "/problems/precondition-required");
    json_decref(problem);
    free(id);
}
END_TEST

START_TEST(test_stale_if_match_is_412)
{
    char                *id = create_report_from("patches/base.json");
    json_t              *report = patch_ok(id, "\"1\"", "{\"status\": \"investigating\"}");
    struct snapshot      before;
    struct http_response resp;
    json_t              *problem;

    json_decref(report);
    take_snapshot(id, &before);
    ck_assert_str_eq(before.etag, "\"2\"");
    send_patch(id, "\"1\"", MERGE_PATCH, "{\"status\": \"closed\"}", &resp);
    problem = http_client_assert_problem(&resp, 412, "/problems/precondition-failed");
    /* The current ETag comes along, so the client knows what to read. */
    ck_assert_msg(http_client_header(&resp, "ETag") != NULL
                      && strcmp(http_client_header(&resp, "ETag"), "\"2\"") == 0,
                  "412 without ETag \"2\"");
    json_decref(problem);
    http_client_response_free(&resp);
    assert_unchanged("stale If-Match", id, &before);

    /* A weak tag never satisfies If-Match, not even the current one. */
    problem = patch_refused("weak If-Match", id, "W/\"2\"", MERGE_PATCH,
                            "{\"status\": \"closed\"}", 412, "/problems/precondition-failed");
    json_decref(problem);
    /* A list that names the current version is enough. */
    report = patch_ok(id, "\"1\", \"2\"", "{\"status\": \"closed\"}");
    ck_assert_str_eq(json_string_value(json_object_get(report, "status")), "closed");
    json_decref(report);
    snapshot_free(&before);
    free(id);
}
END_TEST

START_TEST(test_plain_json_is_415)
{
    char   *id = create_report_from("patches/base.json");
    json_t *problem;

    problem = patch_refused("application/json", id, "\"1\"", "application/json",
                            "{\"status\": \"closed\"}", 415, "/problems/unsupported-media-type");
    ck_assert_msg(strstr(json_string_value(json_object_get(problem, "detail")), MERGE_PATCH)
                      != NULL,
                  "the 415 detail does not name %s", MERGE_PATCH);
    json_decref(problem);
    problem = patch_refused("no Content-Type", id, "\"1\"", NULL, "{\"status\": \"closed\"}",
                            415, "/problems/unsupported-media-type");
    json_decref(problem);
    free(id);
}
END_TEST

START_TEST(test_unknown_or_malformed_id)
{
    struct http_response resp;
    json_t              *problem;

    send_patch(UNKNOWN_ID, "\"1\"", MERGE_PATCH, "{}", &resp);
    problem = http_client_assert_problem(&resp, 404, "/problems/not-found");
    json_decref(problem);
    http_client_response_free(&resp);
    send_patch("not-a-uuid", "\"1\"", MERGE_PATCH, "{}", &resp);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-id");
    json_decref(problem);
    http_client_response_free(&resp);
    http_client_get("/v1/reports/" UNKNOWN_ID "/history", &resp);
    problem = http_client_assert_problem(&resp, 404, "/problems/not-found");
    json_decref(problem);
    http_client_response_free(&resp);
    http_client_get("/v1/reports/not-a-uuid/history", &resp);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-id");
    json_decref(problem);
    http_client_response_free(&resp);
}
END_TEST

/* "{id}/history" matches that suffix exactly, nothing longer or shorter. */
START_TEST(test_history_path_is_exact)
{
    static const char *const suffixes[] = {"/history/", "/history/x", "/historyx", "/histor"};
    char                    *id = create_report_from("patches/base.json");
    struct http_response     resp;
    json_t                  *problem;

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char *path = report_path(id, suffixes[i]);

        http_client_get(path, &resp);
        problem = http_client_assert_problem(&resp, 404, "/problems/not-found");
        json_decref(problem);
        http_client_response_free(&resp);
        free(path);
    }
    http_client_get("/v1/reports//history", &resp);
    problem = http_client_assert_problem(&resp, 404, "/problems/not-found");
    json_decref(problem);
    http_client_response_free(&resp);
    free(id);
}
END_TEST

START_TEST(test_status_and_stage_change)
{
    char   *id = create_report_from("patches/base.json");
    json_t *report = patch_ok(id, "\"1\"",
                              "{\"status\": \"investigating\", \"stage\": \"repeat_payment\"}");

    ck_assert_str_eq(json_string_value(json_object_get(report, "status")), "investigating");
    ck_assert_str_eq(json_string_value(json_object_get(report, "stage")), "repeat_payment");
    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 2);
    json_decref(report);
    /* The same stage again is not a move back; closing is allowed. */
    report = patch_ok(id, "\"2\"", "{\"status\": \"closed\", \"stage\": \"repeat_payment\"}");
    ck_assert_str_eq(json_string_value(json_object_get(report, "status")), "closed");
    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 3);
    json_decref(report);
    patch_invalid(id, "{\"stage\": \"first_payment\"}",
                  "[{\"pointer\": \"/stage\", \"code\": \"stage_regression\"}]");
    free(id);
}
END_TEST

START_TEST(test_corrections_follow_post_rules)
{
    char   *id = create_report_from("patches/base.json");
    json_t *report = patch_ok(
        id, "\"1\"",
        "{\"scam_type\": \"fake_loan\", \"channel\": null, \"region\": \"440300\","
        " \"occurred_at\": \"2020-11-13T21:15:00+09:00\", \"narrative\": \"补充笔录。\","
        " \"loss\": {\"amount\": 1200000, \"currency\": \"CNY\"}}");

    ck_assert_str_eq(json_string_value(json_object_get(report, "scam_type")), "fake_loan");
    ck_assert(json_is_null(json_object_get(report, "channel")));
    ck_assert_str_eq(json_string_value(json_object_get(report, "region")), "440300");
    ck_assert_str_eq(json_string_value(json_object_get(report, "occurred_at")),
                     "2020-11-13T12:15:00Z");
    ck_assert_str_eq(json_string_value(json_object_get(report, "narrative")), "补充笔录。");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(report, "loss"),
                                                        "amount")), 1200000);
    /* Untouched members keep their values. */
    ck_assert_str_eq(json_string_value(json_object_get(report, "locality")), "塘厦镇");
    ck_assert_str_eq(json_string_value(json_object_get(report, "stage")), "first_payment");
    json_decref(report);
    free(id);
}
END_TEST

START_TEST(test_recovered_amount)
{
    char   *id = create_report_from("patches/base.json");
    json_t *report = patch_ok(id, "\"1\"",
                              "{\"recovered\": {\"amount\": 500000, \"currency\": \"CNY\"}}");
    json_t *expected = json_pack("{s:i, s:s}", "amount", 500000, "currency", "CNY");

    ck_assert(json_equal(json_object_get(report, "recovered"), expected));
    json_decref(expected);
    json_decref(report);
    /* A loss correction must keep what was recovered possible. */
    patch_invalid(id, "{\"loss\": {\"amount\": 400000, \"currency\": \"CNY\"}}",
                  "[{\"pointer\": \"/loss/amount\", \"code\": \"range\"}]");
    patch_invalid(id, "{\"loss\": {\"amount\": 1167088, \"currency\": \"USD\"}}",
                  "[{\"pointer\": \"/loss/currency\", \"code\": \"currency_mismatch\"}]");
    patch_invalid(id, "{\"loss\": null}",
                  "[{\"pointer\": \"/loss\", \"code\": \"loss_required\"}]");
    /* All of it may come back; then nothing of it again. */
    report = patch_ok(id, "\"2\"", "{\"recovered\": {\"amount\": 1167088, \"currency\": \"CNY\"}}");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(report, "recovered"),
                                                        "amount")), 1167088);
    json_decref(report);
    report = patch_ok(id, "\"3\"", "{\"recovered\": null, \"loss\": null}");
    ck_assert(json_is_null(json_object_get(report, "recovered")));
    ck_assert(json_is_null(json_object_get(report, "loss")));
    json_decref(report);
    free(id);
}
END_TEST

START_TEST(test_indicators_normalised_and_appended)
{
    char   *id = create_report_from("patches/base.json");
    json_t *report = patch_ok(
        id, "\"1\"",
        "{\"add_phones\": [\"139 0000 1111\", \"+1 (202) 555-0147\", \"call me\"],"
        " \"add_apps\": [{\"name\": \"企业微信\", \"role\": \"chat\"}],"
        " \"add_accounts\": [{\"value\": \"6222 0212 3456 7890 123\", \"kind\": \"bank_card\"}],"
        " \"add_urls\": [\"https://refund-help.example.com/claim\"],"
        " \"add_chat_ids\": [{\"value\": \"wxid_refund_kf001\", \"app\": \"企业微信\"}]}");
    json_t *phones = json_object_get(report, "phones");
    json_t *apps = json_object_get(report, "apps");

    ck_assert_int_eq(json_array_size(phones), 4);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phones, 0), "raw")),
                     "+86 171 2345 6789");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phones, 1), "raw")),
                     "139 0000 1111");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phones, 1), "e164")),
                     "+8613900001111");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phones, 2), "e164")),
                     "+12025550147");
    ck_assert(json_is_true(json_object_get(json_array_get(phones, 2), "international")));
    ck_assert(json_is_null(json_object_get(json_array_get(phones, 3), "e164")));
    ck_assert(json_is_false(json_object_get(json_array_get(phones, 3), "valid")));
    ck_assert_int_eq(json_array_size(apps), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(apps, 0), "name")),
                     "开会宝");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(apps, 1), "name")),
                     "企业微信");
    ck_assert_int_eq(json_array_size(json_object_get(report, "accounts")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(report, "urls")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(report, "chat_ids")), 1);
    ck_assert_int_eq(test_db_count_report("report_phones", id), 4);
    json_decref(report);

    /* A second append goes after the first, and the 100-item cap counts both. */
    report = patch_ok(id, "\"2\"", "{\"add_phones\": [\"13912345678\"]}");
    phones = json_object_get(report, "phones");
    ck_assert_int_eq(json_array_size(phones), 5);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phones, 4), "raw")),
                     "13912345678");
    json_decref(report);
    free(id);
}
END_TEST

START_TEST(test_related_links)
{
    char   *id = create_report_from("patches/base.json");
    char   *other = create_report_from("patches/base.json");
    char   *body;
    json_t *report, *items, *change;

    /* The same report twice (once in capitals) is one link. */
    {
        char upper[40];

        snprintf(upper, sizeof(upper), "%s", other);
        for (char *c = upper; *c != '\0'; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 'a' + 'A');
        ck_assert(asprintf(&body, "{\"related\": [\"%s\", \"%s\"]}", other, upper) > 0);
    }
    report = patch_ok(id, "\"1\"", body);
    free(body);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 2);
    json_decref(report);
    ck_assert_int_eq(test_db_count_report("report_links", id), 1);
    items = history_items(id);
    ck_assert_int_eq(json_array_size(items), 1);
    change = json_array_get(json_object_get(json_array_get(items, 0), "changes"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(change, "field")), "/related/0");
    ck_assert(json_is_null(json_object_get(change, "old")));
    ck_assert_str_eq(json_string_value(json_object_get(change, "new")), other);
    json_decref(items);

    /* Linking again changes nothing: no new version. */
    ck_assert(asprintf(&body, "{\"related\": [\"%s\"]}", other) > 0);
    report = patch_ok(id, "\"2\"", body);
    free(body);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 2);
    json_decref(report);

    ck_assert(asprintf(&body, "{\"related\": [\"%s\", \"%s\"]}", other, UNKNOWN_ID) > 0);
    patch_invalid(id, body, "[{\"pointer\": \"/related/1\", \"code\": \"unknown_report\"}]");
    free(body);
    ck_assert(asprintf(&body, "{\"related\": [\"%s\"]}", id) > 0);
    patch_invalid(id, body, "[{\"pointer\": \"/related/0\", \"code\": \"self_link\"}]");
    free(body);
    free(other);
    free(id);
}
END_TEST

START_TEST(test_patch_without_change_keeps_version)
{
    char   *id = create_report_from("patches/base.json");
    json_t *report = patch_ok(id, "\"1\"", "{}");
    json_t *items;

    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 1);
    json_decref(report);
    report = patch_ok(id, "\"1\"", "{\"status\": \"open\", \"stage\": \"first_payment\","
                                   " \"add_phones\": [], \"related\": null}");
    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 1);
    json_decref(report);
    items = history_items(id);
    ck_assert_int_eq(json_array_size(items), 0);
    json_decref(items);
    free(id);
}
END_TEST

/* {"field", "old", "new"} as the history shows one change. */
static json_t *
change(const char *field, json_t *old_value, json_t *new_value)
{
    return json_pack("{s:s, s:o, s:o}", "field", field, "old", old_value, "new", new_value);
}

static void
assert_history_item(const json_t *item, long long version, json_t *changes)
{
    regex_t     utc;
    json_t     *changed_at = json_object_get(item, "changed_at");
    char       *text = json_dumps(item, JSON_COMPACT);
    char       *want = json_dumps(changes, JSON_COMPACT);
    char        actor[32];

    http_client_actor(actor, sizeof(actor), NULL);
    ck_assert_msg(json_integer_value(json_object_get(item, "version")) == version,
                  "history item is not version %lld: %s", version, text);
    ck_assert_msg(json_equal(json_object_get(item, "changes"), changes),
                  "version %lld changes are\n%s\nexpected\n%s", version, text, want);
    ck_assert_msg(json_is_string(json_object_get(item, "actor"))
                      && strcmp(json_string_value(json_object_get(item, "actor")), actor) == 0,
                  "actor is not the key's name %s: %s", actor, text);
    ck_assert(regcomp(&utc, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
                      REG_EXTENDED | REG_NOSUB) == 0);
    ck_assert_msg(json_is_string(changed_at)
                      && regexec(&utc, json_string_value(changed_at), 0, NULL, 0) == 0,
                  "changed_at is not RFC 3339 UTC: %s", text);
    regfree(&utc);
    ck_assert_int_eq(json_object_size(item), 4);
    json_decref(changes);
    free(want);
    free(text);
}

START_TEST(test_history_exact_after_three_patches)
{
    char   *id = create_report("{\"source\": \"victim\", \"scam_type\": \"fake_customer_service\","
                               " \"stage\": \"contact\", \"phones\": [\"+86 138 0000 0000\"],"
                               " \"loss\": {\"amount\": 1167088, \"currency\": \"CNY\"}}");
    char   *other = create_report_from("patches/base.json");
    char   *body;
    json_t *report, *items, *phones;

    report = patch_ok(id, "\"1\"", "{\"stage\": \"pretext\", \"status\": \"investigating\"}");
    json_decref(report);
    report = patch_ok(id, "\"2\"",
                      "{\"add_phones\": [\"13900001111\", \"+1 (202) 555-0147\"],"
                      " \"recovered\": {\"amount\": 100000, \"currency\": \"CNY\"}}");
    json_decref(report);
    ck_assert(asprintf(&body, "{\"related\": [\"%s\"], \"channel\": \"phone_call\"}", other) > 0);
    report = patch_ok(id, "\"3\"", body);
    free(body);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "version")), 4);
    phones = json_object_get(report, "phones");

    items = history_items(id);
    ck_assert_int_eq(json_array_size(items), 3);
    /* In each version, changes follow the order of the report's members,
     * links last. */
    assert_history_item(json_array_get(items, 0), 2,
                        json_pack("[o, o]",
                                  change("/stage", json_string("contact"),
                                         json_string("pretext")),
                                  change("/status", json_string("open"),
                                         json_string("investigating"))));
    assert_history_item(json_array_get(items, 1), 3,
                        json_pack("[o, o, o]",
                                  change("/recovered", json_null(),
                                         json_pack("{s:i, s:s}", "amount", 100000, "currency",
                                                   "CNY")),
                                  change("/phones/1", json_null(),
                                         json_incref(json_array_get(phones, 1))),
                                  change("/phones/2", json_null(),
                                         json_incref(json_array_get(phones, 2)))));
    assert_history_item(json_array_get(items, 2), 4,
                        json_pack("[o, o]",
                                  change("/channel", json_null(), json_string("phone_call")),
                                  change("/related/0", json_null(), json_string(other))));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phones, 2), "e164")),
                     "+12025550147");
    ck_assert_int_eq(test_db_count_report("report_history", id), 7);
    json_decref(items);
    json_decref(report);
    free(other);
    free(id);
}
END_TEST

/* Victim name and contact are never returned, so no update may show
 * them in its history either. */
START_TEST(test_history_never_shows_victim_details)
{
    char                *id = create_report_from("reports/valid/police_full.json");
    char                *path = report_path(id, "/history");
    json_t              *report;
    struct http_response resp;

    report = patch_ok(id, "\"1\"",
                      "{\"status\": \"investigating\", \"narrative\": \"已追回部分款项。\"}");
    json_decref(report);
    http_client_get(path, &resp);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_msg(strstr(resp.body, "受害人姓名") == NULL
                      && strstr(resp.body, "13912340000") == NULL,
                  "history shows the victim's name or contact: %.500s", resp.body);
    ck_assert_msg(strstr(resp.body, "已追回部分款项") != NULL, "history lacks the change: %.500s",
                  resp.body);
    http_client_response_free(&resp);
    free(path);
    free(id);
}
END_TEST

/* GET with If-None-Match: `field` (NULL: none); returns the status and
 * checks what every answer carries, and the ETag. */
static long
get_if_none_match(const char *id, const char *method, const char *field, const char *etag)
{
    char                *path = report_path(id, "");
    char                *line = NULL;
    const char          *headers[2] = {NULL, NULL};
    struct http_request  req = {.method = method, .path = path, .headers = headers};
    struct http_response resp;
    long                 status;

    if (field != NULL) {
        ck_assert(asprintf(&line, "If-None-Match: %s", field) > 0);
        headers[0] = line;
    }
    ck_assert(http_client_perform(&req, &resp) == 0);
    http_client_assert_common(&resp);
    ck_assert_msg(http_client_header(&resp, "ETag") != NULL
                      && strcmp(http_client_header(&resp, "ETag"), etag) == 0,
                  "%s If-None-Match %s: ETag is not %s", method, field, etag);
    status = resp.status;
    if (status == 304)
        ck_assert_msg(resp.body_len == 0, "304 with a body: %.200s", resp.body);
    http_client_response_free(&resp);
    free(line);
    free(path);
    return status;
}

START_TEST(test_etag_and_if_none_match)
{
    char   *id = create_report_from("patches/base.json");
    json_t *report;

    ck_assert_int_eq(get_if_none_match(id, "GET", NULL, "\"1\""), 200);
    ck_assert_int_eq(get_if_none_match(id, "HEAD", NULL, "\"1\""), 200);
    ck_assert_int_eq(get_if_none_match(id, "GET", "\"1\"", "\"1\""), 304);
    ck_assert_int_eq(get_if_none_match(id, "GET", "W/\"1\"", "\"1\""), 304);
    ck_assert_int_eq(get_if_none_match(id, "GET", "\"7\", \"1\"", "\"1\""), 304);
    ck_assert_int_eq(get_if_none_match(id, "GET", "*", "\"1\""), 304);
    ck_assert_int_eq(get_if_none_match(id, "GET", "\"2\"", "\"1\""), 200);
    ck_assert_int_eq(get_if_none_match(id, "GET", "\"11\"", "\"1\""), 200);

    report = patch_ok(id, "\"1\"", "{\"status\": \"investigating\"}");
    json_decref(report);
    ck_assert_int_eq(get_if_none_match(id, "GET", NULL, "\"2\""), 200);
    ck_assert_int_eq(get_if_none_match(id, "GET", "\"1\"", "\"2\""), 200);
    ck_assert_int_eq(get_if_none_match(id, "GET", "\"2\"", "\"2\""), 304);
    free(id);
}
END_TEST

/* One writer of the race: sends its PATCH once both are ready. */
struct racer {
    pthread_barrier_t   *start;
    const char          *id;
    const char          *body;
    struct http_response resp;
    int                  rc;
};

static void *
race(void *arg)
{
    struct racer       *racer = arg;
    char               *path = NULL;
    const char         *headers[2] = {"If-Match: \"1\"", NULL};
    struct http_request req = {
        .method = "PATCH", .content_type = MERGE_PATCH, .body = racer->body,
        .body_len = strlen(racer->body), .headers = headers,
    };

    if (asprintf(&path, "/v1/reports/%s", racer->id) < 0)
        path = NULL;
    req.path = path != NULL ? path : "/";
    pthread_barrier_wait(racer->start);
    racer->rc = http_client_perform(&req, &racer->resp);
    free(path);
    return NULL;
}

/* Two officers update the version they both read at the same moment:
 * exactly one wins, the other is told its version is stale, and only the
 * winner's change is stored. */
START_TEST(test_concurrent_patches_one_wins)
{
    static const char *const bodies[2] = {"{\"status\": \"investigating\"}",
                                          "{\"status\": \"closed\"}"};

    for (int round = 0; round < RACE_ROUNDS; round++) {
        char             *id = create_report_from("patches/base.json");
        pthread_barrier_t start;
        pthread_t         threads[2];
        struct racer      racers[2];
        int               winner = -1;
        struct snapshot   after;

        pthread_barrier_init(&start, NULL, 2);
        for (int i = 0; i < 2; i++) {
            racers[i] = (struct racer){.start = &start, .id = id, .body = bodies[i]};
            ck_assert_int_eq(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&start);

        for (int i = 0; i < 2; i++) {
            ck_assert_msg(racers[i].rc == 0, "round %d: PATCH failed: %s", round,
                          racers[i].resp.error);
            if (racers[i].resp.status == 200)
                winner = i;
        }
        ck_assert_msg(winner >= 0 && racers[1 - winner].resp.status == 412,
                      "round %d: statuses %ld and %ld, expected one 200 and one 412", round,
                      racers[0].resp.status, racers[1].resp.status);
        take_snapshot(id, &after);
        ck_assert_str_eq(after.etag, "\"2\"");
        ck_assert_str_eq(json_string_value(json_object_get(after.report, "status")),
                         winner == 0 ? "investigating" : "closed");
        ck_assert_int_eq(json_array_size(after.history), 1);
        snapshot_free(&after);
        for (int i = 0; i < 2; i++)
            http_client_response_free(&racers[i].resp);
        free(id);
    }
}
END_TEST

/* Two stations link their reports to each other at the same moment: both
 * updates apply (neither waits forever for the other's lock). */
START_TEST(test_concurrent_cross_links_both_apply)
{
    for (int round = 0; round < CROSS_LINK_ROUNDS; round++) {
        char             *ids[2] = {create_report_from("patches/base.json"),
                                    create_report_from("patches/base.json")};
        char             *bodies[2];
        pthread_barrier_t start;
        pthread_t         threads[2];
        struct racer      racers[2];

        for (int i = 0; i < 2; i++)
            ck_assert(asprintf(&bodies[i], "{\"related\": [\"%s\"]}", ids[1 - i]) > 0);
        pthread_barrier_init(&start, NULL, 2);
        for (int i = 0; i < 2; i++) {
            racers[i] = (struct racer){.start = &start, .id = ids[i], .body = bodies[i]};
            ck_assert_int_eq(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < 2; i++) {
            ck_assert_msg(racers[i].rc == 0 && racers[i].resp.status == 200,
                          "round %d: linking answered %ld: %.300s", round, racers[i].resp.status,
                          racers[i].resp.body);
            ck_assert_int_eq(test_db_count_report("report_links", ids[i]), 1);
            http_client_response_free(&racers[i].resp);
            free(bodies[i]);
            free(ids[i]);
        }
    }
}
END_TEST

Suite *
http_patch_suite(void)
{
    Suite *suite = suite_create("http_patch");
    TCase *refused = tcase_create("refused");
    TCase *applied = tcase_create("applied");
    TCase *history = tcase_create("history");
    TCase *concurrency = tcase_create("concurrency");

    tcase_add_unchecked_fixture(refused, http_client_setup, http_client_teardown);
    tcase_set_timeout(refused, 60);
    tcase_add_test(refused, test_invalid_patches_present);
    tcase_add_loop_test(refused, test_invalid_patch, 0,
                        (int)testutil_count_data("patches/invalid", NULL));
    tcase_add_test(refused, test_missing_if_match_is_428);
    tcase_add_test(refused, test_stale_if_match_is_412);
    tcase_add_test(refused, test_plain_json_is_415);
    tcase_add_test(refused, test_unknown_or_malformed_id);
    suite_add_tcase(suite, refused);

    tcase_add_unchecked_fixture(applied, http_client_setup, http_client_teardown);
    tcase_set_timeout(applied, 60);
    tcase_add_test(applied, test_status_and_stage_change);
    tcase_add_test(applied, test_corrections_follow_post_rules);
    tcase_add_test(applied, test_recovered_amount);
    tcase_add_test(applied, test_indicators_normalised_and_appended);
    tcase_add_test(applied, test_related_links);
    tcase_add_test(applied, test_patch_without_change_keeps_version);
    suite_add_tcase(suite, applied);

    tcase_add_unchecked_fixture(history, http_client_setup, http_client_teardown);
    tcase_set_timeout(history, 60);
    tcase_add_test(history, test_history_exact_after_three_patches);
    tcase_add_test(history, test_history_never_shows_victim_details);
    tcase_add_test(history, test_history_path_is_exact);
    tcase_add_test(history, test_etag_and_if_none_match);
    suite_add_tcase(suite, history);

    tcase_add_unchecked_fixture(concurrency, http_client_setup, http_client_teardown);
    tcase_set_timeout(concurrency, 60);
    tcase_add_test(concurrency, test_concurrent_patches_one_wins);
    tcase_add_test(concurrency, test_concurrent_cross_links_both_apply);
    suite_add_tcase(suite, concurrency);
    return suite;
}
