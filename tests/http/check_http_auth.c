/*
 * Who may do what: the access table in tests/data/auth/access.tsv, the
 * 401 answers, revocation taking effect at once, victim details only for
 * the submitting station's police, audit rows in the same transaction,
 * receipts, idempotency per key, and rate limits (on a second service
 * with small limits and anonymous submissions off).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "service_proc.h"
#include "test_db.h"

#define UNKNOWN_KEY "fi_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define VICTIM_NAME "王晓燕受害人姓名"

/* What the table's rows refer to, made once for the suite. */
static char *report_path;   /* "/v1/reports/<id>" of station A */
static char *receipt;
static char *revoked_key;

/* Sends one request; `key` as struct http_request.key; body NULL for none.
 * Fails the test when no answer arrives. */
static void
send(const char *method, const char *path, const char *key, const char *body,
     const char *const *headers, struct http_response *out)
{
    const char         *type = strcmp(method, "PATCH") == 0 ? "application/merge-patch+json"
                                : strstr(path, ":import") != NULL ? "application/x-ndjson"
                                                                   : "application/json";
    struct http_request req = {
        .method = method, .path = path, .key = key, .headers = headers,
        .content_type = body != NULL ? type : NULL, .body = body,
        .body_len = body != NULL ? strlen(body) : 0,
    };

    ck_assert_msg(http_client_perform(&req, out) == 0, "%s %s: %s", method, path,
                  out->error != NULL ? out->error : "no answer");
}

/* Creates a key of `role` for `org` through the admin API; returns it
 * (new string, caller frees). */
static char *
admin_create_key(const char *org, const char *role)
{
    struct http_response resp;
    char                *body;
    json_t              *doc;
    char                *key;

    ck_assert(asprintf(&body, "{\"organisation\": \"%s\", \"role\": \"%s\"}", org, role) > 0);
    send("POST", "/v1/keys", http_client_key("admin"), body, NULL, &resp);
    ck_assert_msg(resp.status == 201, "POST /v1/keys answered %ld: %s", resp.status, resp.body);
    doc = http_client_json(&resp);
    key = strdup(json_string_value(json_object_get(doc, "key")));
    ck_assert(key != NULL && strncmp(key, "fi_", 3) == 0);
    json_decref(doc);
    http_client_response_free(&resp);
    free(body);
    return key;
}

static void
admin_revoke(const char *key)
{
    struct http_response resp;
    char                 path[64];

    snprintf(path, sizeof(path), "/v1/keys/%.8s", key + 3);
    send("DELETE", path, http_client_key("admin"), NULL, NULL, &resp);
    ck_assert_msg(resp.status == 200, "DELETE %s answered %ld: %s", path, resp.status, resp.body);
    http_client_response_free(&resp);
}

/* POSTs a report file as `key`; returns the 201 body (new reference). */
static json_t *
submit(const char *file, const char *key)
{
    struct http_response resp;
    char                *body = testutil_read_data(file, NULL);
    json_t              *doc;

    send("POST", "/v1/reports", key, body, NULL, &resp);
    ck_assert_msg(resp.status == 201, "POST %s answered %ld: %s", file, resp.status, resp.body);
    doc = http_client_json(&resp);
    http_client_response_free(&resp);
    free(body);
    return doc;
}

static void
suite_setup(void)
{
    json_t *doc;

    http_client_setup();
    doc = submit("reports/valid/police_full.json", http_client_key("police"));
    ck_assert(asprintf(&report_path, "/v1/reports/%s",
                       json_string_value(json_object_get(doc, "id"))) > 0);
    receipt = strdup(json_string_value(json_object_get(doc, "receipt")));
    ck_assert(receipt != NULL);
    json_decref(doc);
    revoked_key = admin_create_key("Test public form", "public");
    admin_revoke(revoked_key);
}

static void
suite_teardown(void)
{
    free(report_path);
    free(receipt);
    free(revoked_key);
    report_path = receipt = revoked_key = NULL;
    http_client_teardown();
}

/* The key a table caller sends; "" for none. */
static const char *
caller_key(const char *caller)
{
    if (strcmp(caller, "none") == 0)
        return "";
    if (strcmp(caller, "malformed") == 0)
        return "not-a-key";
    if (strcmp(caller, "unknown") == 0)
        return UNKNOWN_KEY;
    if (strcmp(caller, "revoked") == 0)
        return revoked_key;
    return http_client_key(caller);
}

/* Replaces {report} and {receipt} in a table path; new string. */
static char *
table_path(const char *path)
{
    const char *hole = strchr(path, '{');
    char       *out;

    if (hole == NULL)
        return strdup(path);
    if (strncmp(hole, "{report}", 8) == 0)
        ck_assert(asprintf(&out, "%.*s%s%s", (int)(hole - path), path,
                           report_path + strlen("/v1/reports/"), hole + 8) > 0);
    else
        ck_assert(asprintf(&out, "%.*s%s%s", (int)(hole - path), path, receipt, hole + 9) > 0);
    return out;
}

/* "If-Match: <the report's current ETag>", as station A reads it. */
static void
if_match_current(char *out, size_t size)
{
    struct http_response resp;

    http_client_get(report_path, &resp);
    ck_assert_int_eq(resp.status, 200);
    snprintf(out, size, "If-Match: %s", http_client_header(&resp, "ETag"));
    http_client_response_free(&resp);
}

struct access_row {
    char caller[16], method[8], path[128], body[512];
    long status;
};

static size_t
access_rows(struct access_row *rows, size_t max)
{
    char  *text = testutil_read_data("auth/access.tsv", NULL);
    size_t count = 0;

    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        ck_assert(count < max);
        ck_assert_msg(sscanf(line, "%15[^\t]\t%7[^\t]\t%127[^\t]\t%511[^\t]\t%ld",
                             rows[count].caller, rows[count].method, rows[count].path,
                             rows[count].body, &rows[count].status) == 5,
                      "auth/access.tsv: bad row %s", line);
        count++;
    }
    free(text);
    return count;
}

START_TEST(test_access_table)
{
    struct access_row rows[96];
    size_t            count = access_rows(rows, 96);

    ck_assert_uint_ge(count, 50);
    for (size_t i = 0; i < count; i++) {
        const struct access_row *row = &rows[i];
        char                     etag[64];
        const char *const        if_match[] = {etag, NULL};
        char                    *path = table_path(row->path);
        char                    *body = NULL;
        struct http_response     resp;

        if (strcmp(row->body, "-") != 0)
            body = row->body[0] == '{' || row->body[0] == '['
                       ? strdup(row->body)
                       : testutil_read_data(row->body, NULL);
        if (strcmp(row->method, "PATCH") == 0)
            if_match_current(etag, sizeof(etag));
        send(row->method, path, caller_key(row->caller), body,
             strcmp(row->method, "PATCH") == 0 ? if_match : NULL, &resp);
        ck_assert_msg(resp.status == row->status, "%s %s %s: %ld, expected %ld: %.300s",
                      row->caller, row->method, row->path, resp.status, row->status, resp.body);
        http_client_assert_common(&resp);
        if (resp.status == 401 || resp.status == 403 || resp.status == 404)
            json_decref(http_client_assert_problem(&resp, resp.status,
                                                   resp.status == 401   ? "/problems/unauthorized"
                                                   : resp.status == 403 ? "/problems/forbidden"
                                                                        : "/problems/not-found"));
        http_client_response_free(&resp);
        free(body);
        free(path);
    }
}
END_TEST

/* RFC 6750: no credentials, no error code; bad credentials,
 * invalid_token. Either way the caller learns nothing about the key. */
START_TEST(test_unauthorized_says_how)
{
    static const struct {
        const char *key, *challenge;
    } cases[] = {
        {"", "Bearer realm=\"fraud-intake\""},
        {"not-a-key", "Bearer realm=\"fraud-intake\", error=\"invalid_token\""},
        {UNKNOWN_KEY, "Bearer realm=\"fraud-intake\", error=\"invalid_token\""},
    };
    struct http_response resp;
    char                *detail = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *problem;

        send("GET", "/v1/reports", cases[i].key, NULL, NULL, &resp);
        problem = http_client_assert_problem(&resp, 401, "/problems/unauthorized");
        ck_assert_str_eq(http_client_header(&resp, "WWW-Authenticate"), cases[i].challenge);
        ck_assert_ptr_nonnull(http_client_header(&resp, "RateLimit"));
        if (i == 2)
            ck_assert_str_eq(json_string_value(json_object_get(problem, "detail")), detail);
        free(detail);
        detail = strdup(json_string_value(json_object_get(problem, "detail")));
        json_decref(problem);
        http_client_response_free(&resp);
    }
    /* A revoked key reads exactly like an unknown one. */
    send("GET", "/v1/reports", revoked_key, NULL, NULL, &resp);
    json_decref(http_client_assert_problem(&resp, 401, "/problems/unauthorized"));
    ck_assert_str_eq(http_client_header(&resp, "WWW-Authenticate"), cases[2].challenge);
    http_client_response_free(&resp);
    free(detail);
}
END_TEST

/* The audit rows of `action` about `report_id` (or `subject`) made by the
 * request whose X-Request-Id is request_id. */
static long long
audit_rows(const char *action, const char *request_id, const char *key_prefix)
{
    const char *params[3] = {action, request_id, key_prefix};
    char       *n = test_db_scalar("SELECT count(*) FROM audit_log WHERE action = $1"
                                   " AND request_id = $2 AND key_prefix = $3",
                                   3, params);
    long long   count = atoll(n);

    free(n);
    return count;
}

START_TEST(test_revoked_key_refused_on_next_request)
{
    char                *key = admin_create_key("Test analysis unit", "analyst");
    char                 path[64];
    char                 admin_prefix[16];
    struct http_response resp;

    send("GET", "/v1/reports?limit=1", key, NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    http_client_response_free(&resp);
    snprintf(path, sizeof(path), "/v1/keys/%.8s", key + 3);
    send("DELETE", path, http_client_key("admin"), NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    snprintf(admin_prefix, sizeof(admin_prefix), "%.8s", http_client_key("admin") + 3);
    ck_assert_int_eq(audit_rows("key.revoke", http_client_header(&resp, "X-Request-Id"),
                                admin_prefix), 1);
    http_client_response_free(&resp);
    send("GET", "/v1/reports?limit=1", key, NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 401);
    http_client_response_free(&resp);
    free(key);
}
END_TEST

/* Whether the decoded JSON text of body contains text. */
static int
body_contains(const struct http_response *resp, const char *text)
{
    json_t *doc = json_loads(resp->body, 0, NULL);
    char   *dump = doc != NULL ? json_dumps(doc, JSON_COMPACT) : strdup(resp->body);
    int     found = strstr(dump, text) != NULL;

    free(dump);
    json_decref(doc);
    return found;
}

START_TEST(test_victim_details_only_for_the_owning_station)
{
    struct http_response resp;
    char                 prefix[16];
    json_t              *doc;
    char                *list;

    /* Station A's police: name and contact, and the read is audited. */
    send("GET", report_path, NULL, NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    doc = http_client_json(&resp);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "victim"), "name")),
                     VICTIM_NAME);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(doc, "victim"), "contact"));
    json_decref(doc);
    snprintf(prefix, sizeof(prefix), "%.8s", testutil_env("FRAUD_TEST_KEY") + 3);
    ck_assert_int_eq(audit_rows("report.read_victim", http_client_header(&resp, "X-Request-Id"),
                                prefix), 1);
    http_client_response_free(&resp);

    /* Analysts: the report, never its victim's name. */
    send("GET", report_path, http_client_key("analyst"), NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_msg(!body_contains(&resp, VICTIM_NAME), "victim name in an analyst's GET");
    http_client_response_free(&resp);

    /* Lists: nobody, not even the owning station. */
    ck_assert(asprintf(&list, "/v1/reports?limit=200&scam_type=fake_customer_service") > 0);
    send("GET", list, NULL, NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_msg(!body_contains(&resp, VICTIM_NAME), "victim name in a list");
    http_client_response_free(&resp);
    free(list);
}
END_TEST

START_TEST(test_station_lists_only_its_own)
{
    const char          *id = report_path + strlen("/v1/reports/");
    struct http_response resp;

    send("GET", "/v1/reports?limit=200", NULL, NULL, NULL, &resp);
    ck_assert_msg(strstr(resp.body, id) != NULL, "station A does not list its own report");
    http_client_response_free(&resp);
    send("GET", "/v1/reports?limit=200", http_client_key("police_b"), NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_msg(strstr(resp.body, id) == NULL, "station B lists station A's report");
    http_client_response_free(&resp);
    send("GET", "/v1/reports?limit=200", http_client_key("analyst"), NULL, NULL, &resp);
    ck_assert_msg(strstr(resp.body, id) != NULL, "analysts do not see every report");
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_patch_is_audited_with_its_change)
{
    char                 etag[64];
    const char *const    headers[] = {etag, NULL};
    char                 prefix[16];
    struct http_response resp;

    if_match_current(etag, sizeof(etag));
    send("PATCH", report_path, NULL, "{\"status\": \"closed\"}",
         headers, &resp);
    ck_assert_msg(resp.status == 200, "PATCH answered %ld: %s", resp.status, resp.body);
    snprintf(prefix, sizeof(prefix), "%.8s", testutil_env("FRAUD_TEST_KEY") + 3);
    ck_assert_int_eq(audit_rows("report.update", http_client_header(&resp, "X-Request-Id"),
                                prefix), 1);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_public_cannot_submit_as_police)
{
    struct test_db_counts before;
    struct http_response  resp;
    char                 *body = testutil_read_data("reports/valid/police_full.json", NULL);
    json_t               *problem;

    test_db_counts_take(&before);
    send("POST", "/v1/reports", http_client_key("public"), body, NULL, &resp);
    problem = http_client_assert_problem(&resp, 422, "/problems/invalid-report");
    ck_assert_msg(strstr(resp.body, "\"pointer\":\"/source\",\"code\":\"not_allowed\"") != NULL,
                  "no not_allowed at /source: %s", resp.body);
    test_db_counts_assert_same(&before, "public POST of a police report");
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

START_TEST(test_receipt_reads_back_without_victim)
{
    struct http_response resp;
    char                 path[128];
    json_t              *doc;

    snprintf(path, sizeof(path), "/v1/receipts/%s", receipt);
    send("GET", path, "", NULL, NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    doc = http_client_json(&resp);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "id")),
                     report_path + strlen("/v1/reports/"));
    ck_assert_ptr_null(json_object_get(doc, "receipt"));
    ck_assert_msg(!body_contains(&resp, VICTIM_NAME), "victim name read back by receipt");
    json_decref(doc);
    http_client_response_free(&resp);
}
END_TEST

/* Two stations using the same Idempotency-Key make two reports: keys
 * live in each caller's own namespace. */
START_TEST(test_idempotency_keys_are_per_caller)
{
    const char *const    headers[] = {"Idempotency-Key: \"shared-key-per-station\"", NULL};
    char                *body = testutil_read_data("reports/valid/public_one_app.json", NULL);
    struct http_response a, b;

    send("POST", "/v1/reports", http_client_key("police"), body, headers, &a);
    send("POST", "/v1/reports", http_client_key("police_b"), body, headers, &b);
    ck_assert_int_eq(a.status, 201);
    ck_assert_int_eq(b.status, 201);
    ck_assert_ptr_null(http_client_header(&b, "Idempotent-Replayed"));
    ck_assert_str_ne(http_client_header(&a, "Location"), http_client_header(&b, "Location"));
    http_client_response_free(&a);
    http_client_response_free(&b);
    free(body);
}
END_TEST

START_TEST(test_audit_trail_filters_and_pages)
{
    struct http_response resp;
    json_t              *doc, *items;
    char                 path[128];
    const char          *next;

    send("GET", "/v1/audit?action=report.read_victim&limit=1", http_client_key("admin"), NULL,
         NULL, &resp);
    ck_assert_int_eq(resp.status, 200);
    doc = http_client_json(&resp);
    items = json_object_get(doc, "items");
    ck_assert_uint_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "action")),
                     "report.read_victim");
    next = json_string_value(json_object_get(doc, "next"));
    http_client_response_free(&resp);
    if (next != NULL) {
        long long first = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
        json_t   *page;

        snprintf(path, sizeof(path), "/v1/audit?action=report.read_victim&limit=1&cursor=%s",
                 next);
        send("GET", path, http_client_key("admin"), NULL, NULL, &resp);
        ck_assert_int_eq(resp.status, 200);
        page = http_client_json(&resp);
        ck_assert_int_lt(json_integer_value(json_object_get(
                             json_array_get(json_object_get(page, "items"), 0), "id")),
                         first);
        json_decref(page);
        http_client_response_free(&resp);
    }
    json_decref(doc);
    send("GET", "/v1/audit?report_id=nope&colour=red", http_client_key("admin"), NULL, NULL,
         &resp);
    json_decref(http_client_assert_problem(&resp, 400, "/problems/invalid-query"));
    ck_assert_msg(strstr(resp.body, "\"parameter\":\"report_id\"") != NULL
                      && strstr(resp.body, "\"parameter\":\"colour\"") != NULL,
                  "both parameters named: %s", resp.body);
    http_client_response_free(&resp);
}
END_TEST

/* A second service: a public key may make 3 requests a minute, an address
 * without a valid key 2, and nobody submits without a key. */
START_TEST(test_rate_limits_and_anonymous_off)
{
    const char *const    env[] = {"RATE_LIMIT_PUBLIC=3/60", "RATE_LIMIT_ADDRESS=2/60",
                                  "ANONYMOUS_SUBMISSIONS=0", NULL};
    struct service_proc  proc;
    struct http_response resp;
    struct http_request  req = {.method = "GET", .path = "/v1/vocabularies"};
    char                *body = testutil_read_data("reports/valid/public_one_app.json", NULL);
    char                *key = admin_create_key("Test public form", "public");

    service_proc_start(&proc, env);
    req.base_url = proc.base_url;
    req.key = key;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(http_client_perform(&req, &resp), 0);
        ck_assert_int_eq(resp.status, 200);
        ck_assert_str_eq(http_client_header(&resp, "RateLimit-Policy"), "\"public\";q=3;w=60");
        http_client_response_free(&resp);
    }
    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    json_decref(http_client_assert_problem(&resp, 429, "/problems/rate-limited"));
    ck_assert_int_ge(atoi(http_client_header(&resp, "Retry-After")), 1);
    ck_assert_msg(strncmp(http_client_header(&resp, "RateLimit"), "\"public\";r=0;t=", 15) == 0,
                  "RateLimit: %s", http_client_header(&resp, "RateLimit"));
    http_client_response_free(&resp);

    /* Without a key: refused (anonymous submissions are off), then the
     * address's bucket runs out. */
    req = (struct http_request){.method = "POST", .path = "/v1/reports", .key = "",
                                .base_url = proc.base_url, .content_type = "application/json",
                                .body = body, .body_len = strlen(body)};
    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    ck_assert_int_eq(resp.status, 401);
    http_client_response_free(&resp);
    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    ck_assert_int_eq(resp.status, 401);
    http_client_response_free(&resp);
    ck_assert_int_eq(http_client_perform(&req, &resp), 0);
    json_decref(http_client_assert_problem(&resp, 429, "/problems/rate-limited"));
    ck_assert_str_eq(http_client_header(&resp, "RateLimit-Policy"), "\"address\";q=2;w=60");
    http_client_response_free(&resp);

    service_proc_stop(&proc);
    free(key);
    free(body);
}
END_TEST

Suite *
http_auth_suite(void)
{
    Suite *suite = suite_create("http_auth");
    TCase *roles = tcase_create("roles");
    TCase *limits = tcase_create("limits");

    tcase_add_unchecked_fixture(roles, suite_setup, suite_teardown);
    tcase_set_timeout(roles, 60);
    tcase_add_test(roles, test_access_table);
    tcase_add_test(roles, test_unauthorized_says_how);
    tcase_add_test(roles, test_revoked_key_refused_on_next_request);
    tcase_add_test(roles, test_victim_details_only_for_the_owning_station);
    tcase_add_test(roles, test_station_lists_only_its_own);
    tcase_add_test(roles, test_patch_is_audited_with_its_change);
    tcase_add_test(roles, test_public_cannot_submit_as_police);
    tcase_add_test(roles, test_receipt_reads_back_without_victim);
    tcase_add_test(roles, test_idempotency_keys_are_per_caller);
    tcase_add_test(roles, test_audit_trail_filters_and_pages);
    suite_add_tcase(suite, roles);

    tcase_add_unchecked_fixture(limits, http_client_setup, http_client_teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_rate_limits_and_anonymous_off);
    suite_add_tcase(suite, limits);
    return suite;
}
