/*
 * Black-box tests of the small routes (/healthz, /readyz,
 * /v1/vocabularies) and of a database outage: the service answers 503 at
 * once while PostgreSQL is down and recovers by itself when it is back.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "domain/timestamp.h"
#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"

#define MIN_MIGRATIONS        4
/* "Never a hang": an outage is answered well inside this bound. */
#define OUTAGE_ANSWER_MAX_S   2.0
#define RECOVERY_MAX_S        10.0
#define RECOVERY_RETRY_NS     100000000L
#define OUTAGE_TIMEOUT_S      60

/* A vocabulary list and codes it must hold (NULL-terminated). */
struct vocabulary {
    const char *list;
    const char *codes[12];
};

static const struct vocabulary vocabularies[] = {
    { "sources", { "police", "victim", "public", NULL } },
    { "scam_types", { "fake_customer_service", "task_rebate", "fake_investment", "fake_loan",
                      "fake_credit_repair", "impersonate_authority", "impersonate_acquaintance",
                      "game_trade", "romance", "impersonate_military_purchase", "other",
                      NULL } },
    { "stages", { "contact", "pretext", "channel_switch", "remote_access",
                  "credential_capture", "first_payment", "repeat_payment", NULL } },
    { "channels", { "phone_call", "sms", "chat_app", "social_media", "web", "in_person",
                    NULL } },
    { "app_roles", { "contact", "chat", "screen_share", "payment", "loan", "platform", NULL } },
    { "impersonated_parties", { "alipay_customer_service", "ecommerce_customer_service",
                                "courier", "bank", "police", "other", NULL } },
    { "info_leaks", { "waybill_leak", "order_data_leak", "unknown", "other", NULL } },
    { "account_kinds", { "bank_card", "alipay", "wechat_pay", "other", NULL } },
    { "age_bands", { "age_under_18", "age_18_24", "age_25_34", "age_35_44", "age_45_54",
                     "age_55_64", "age_65_plus", NULL } },
    { "genders", { "female", "male", "other", "unknown", NULL } },
};

static bool
is_nonempty_string(const json_t *value)
{
    return json_is_string(value) && json_string_length(value) > 0;
}

static void
assert_json_content_type(const struct http_response *resp)
{
    const char *content_type = http_client_header(resp, "Content-Type");

    ck_assert_msg(content_type != NULL && strncasecmp(content_type, "application/json", 16) == 0
                      && (content_type[16] == '\0' || content_type[16] == ';'),
                  "Content-Type '%s' is not application/json",
                  content_type != NULL ? content_type : "(absent)");
}

START_TEST(test_healthz_ok)
{
    struct http_response resp;
    json_t              *body, *want = json_pack("{s:s}", "status", "ok");

    http_client_get("/healthz", &resp);
    ck_assert_int_eq(resp.status, 200);
    http_client_assert_common(&resp);
    assert_json_content_type(&resp);
    body = http_client_json(&resp);
    ck_assert_msg(json_equal(body, want), "/healthz answered %s", resp.body);
    json_decref(body);
    json_decref(want);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_head_healthz_has_no_body)
{
    struct http_request  req = { .method = "HEAD", .path = "/healthz" };
    struct http_response resp;

    ck_assert_msg(http_client_perform(&req, &resp) == 0, "HEAD /healthz: %s", resp.error);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_uint_eq(resp.body_len, 0);
    http_client_assert_common(&resp);
    assert_json_content_type(&resp);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_readyz_ready)
{
    struct http_response resp;
    json_t              *body, *migrations;

    http_client_get("/readyz", &resp);
    ck_assert_msg(resp.status == 200, "/readyz answered %ld: %s", resp.status, resp.body);
    http_client_assert_common(&resp);
    assert_json_content_type(&resp);
    body = http_client_json(&resp);
    ck_assert_str_eq(json_string_value(json_object_get(body, "status")), "ready");
    migrations = json_object_get(body, "migrations");
    ck_assert_msg(json_is_integer(migrations) && json_integer_value(migrations) >= MIN_MIGRATIONS,
                  "/readyz migrations should be an integer >= %d: %s", MIN_MIGRATIONS, resp.body);
    json_decref(body);
    http_client_response_free(&resp);
}
END_TEST

/* Returns the entry of `list` whose code is `code` (borrowed), or NULL. */
static json_t *
find_code(const json_t *list, const char *code)
{
    size_t  i;
    json_t *entry;

    json_array_foreach(list, i, entry)
        if (json_is_string(json_object_get(entry, "code"))
            && strcmp(json_string_value(json_object_get(entry, "code")), code) == 0)
            return entry;
    return NULL;
}

static void
assert_vocabulary(const json_t *all, const struct vocabulary *vocabulary)
{
    json_t *list = json_object_get(all, vocabulary->list);
    size_t  i;
    json_t *entry;

    ck_assert_msg(json_is_array(list) && json_array_size(list) > 0, "no list %s",
                  vocabulary->list);
    json_array_foreach(list, i, entry) {
        ck_assert_msg(is_nonempty_string(json_object_get(entry, "code")), "%s/%zu has no code",
                      vocabulary->list, i);
        ck_assert_msg(json_is_integer(json_object_get(entry, "position")),
                      "%s/%zu has no integer position", vocabulary->list, i);
        ck_assert_msg(is_nonempty_string(json_object_get(entry, "zh"))
                          && is_nonempty_string(json_object_get(entry, "en")),
                      "%s/%zu (%s) lacks a zh or en label", vocabulary->list, i,
                      json_string_value(json_object_get(entry, "code")));
    }
    for (size_t c = 0; vocabulary->codes[c] != NULL; c++)
        ck_assert_msg(find_code(list, vocabulary->codes[c]) != NULL, "%s lacks code %s",
                      vocabulary->list, vocabulary->codes[c]);
}

static void
assert_currency(const json_t *currencies, const char *code, const char *numeric, int minor_unit)
{
    json_t *entry = find_code(currencies, code);

    ck_assert_msg(entry != NULL, "currencies lack %s", code);
    ck_assert_msg(json_is_string(json_object_get(entry, "numeric"))
                      && strcmp(json_string_value(json_object_get(entry, "numeric")), numeric) == 0,
                  "%s numeric code is not %s", code, numeric);
    ck_assert_msg(json_is_integer(json_object_get(entry, "minor_unit"))
                      && json_integer_value(json_object_get(entry, "minor_unit")) == minor_unit,
                  "%s minor_unit is not %d", code, minor_unit);
}

START_TEST(test_vocabularies_complete)
{
    struct http_response resp;
    json_t              *all, *stages, *currencies, *entry;
    const struct vocabulary *stage_codes = NULL;
    size_t               i;

    http_client_get("/v1/vocabularies", &resp);
    ck_assert_msg(resp.status == 200, "/v1/vocabularies answered %ld", resp.status);
    http_client_assert_common(&resp);
    assert_json_content_type(&resp);
    all = http_client_json(&resp);

    for (i = 0; i < sizeof(vocabularies) / sizeof(vocabularies[0]); i++) {
        assert_vocabulary(all, &vocabularies[i]);
        if (strcmp(vocabularies[i].list, "stages") == 0)
            stage_codes = &vocabularies[i];
    }
    ck_assert_uint_eq(json_array_size(json_object_get(all, "sources")), 3);

    /* Stages are the script, in order: exactly the seven, by position. */
    stages = json_object_get(all, "stages");
    ck_assert_uint_eq(json_array_size(stages), 7);
    json_array_foreach(stages, i, entry) {
        ck_assert_str_eq(json_string_value(json_object_get(entry, "code")),
                         stage_codes->codes[i]);
        if (i > 0)
            ck_assert_msg(json_integer_value(json_object_get(entry, "position"))
                              > json_integer_value(json_object_get(json_array_get(stages, i - 1),
                                                                   "position")),
                          "stages are not ordered by position");
    }

    currencies = json_object_get(all, "currencies");
    ck_assert_msg(json_is_array(currencies) && json_array_size(currencies) > 100,
                  "currencies should be the ISO 4217 list");
    json_array_foreach(currencies, i, entry)
        ck_assert_msg(is_nonempty_string(json_object_get(entry, "code"))
                          && is_nonempty_string(json_object_get(entry, "zh"))
                          && is_nonempty_string(json_object_get(entry, "en")),
                      "currencies/%zu lacks a code, zh or en", i);
    assert_currency(currencies, "CNY", "156", 2);
    assert_currency(currencies, "JPY", "392", 0);
    assert_currency(currencies, "KWD", "414", 3);

    json_decref(all);
    http_client_response_free(&resp);
}
END_TEST

/* ------------------------------------------------------------ outage */

/* Runs `$FRAUD_TEST_PG_CTL <action>` through the shell (which expands the
 * variable itself, so no quoting is needed here). Returns its exit code,
 * or -1 when it could not run. */
static int
pg_ctl(const char *action)
{
    char *command;
    int   rc;

    if (asprintf(&command, "\"$FRAUD_TEST_PG_CTL\" %s", action) < 0)
        return -1;
    rc = system(command);
    free(command);
    if (rc == -1 || !WIFEXITED(rc))
        return -1;
    return WEXITSTATUS(rc);
}

static void
outage_setup(void)
{
    http_client_setup();
}

/* Runs in the runner process after the outage TCase, whatever happened
 * to the test (failure, crash, timeout): the database must be up for
 * anything that runs later. */
static void
outage_teardown(void)
{
    const char *url = getenv("FRAUD_TEST_DATABASE_URL");

    if (url != NULL && getenv("FRAUD_TEST_PG_CTL") != NULL && PQping(url) != PQPING_OK)
        (void)pg_ctl("start");
    http_client_teardown();
}

/* One timed request; fills *resp and *seconds. Returns perform's result. */
static int
timed_request(const char *method, const char *path, const char *body, size_t body_len,
              struct http_response *resp, double *seconds)
{
    struct http_request req = {
        .method = method, .path = path, .body = body, .body_len = body_len,
        .content_type = body != NULL ? "application/json" : NULL,
        .timeout_ms = 5000,
    };
    struct timespec     start;
    int                 rc;

    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = http_client_perform(&req, resp);
    *seconds = timestamp_seconds_since(&start);
    return rc;
}

static void
assert_unavailable(const char *what, int rc, const struct http_response *resp, double seconds)
{
    const char *retry_after = http_client_header(resp, "Retry-After");
    json_t     *problem;

    ck_assert_msg(rc == 0, "%s while the database is down: no answer (%s) after %.2f s", what,
                  resp->error, seconds);
    ck_assert_msg(seconds < OUTAGE_ANSWER_MAX_S,
                  "%s while the database is down took %.2f s (bound %.1f s)", what, seconds,
                  OUTAGE_ANSWER_MAX_S);
    ck_assert_msg(resp->status == 503, "%s while the database is down answered %ld: %.300s",
                  what, resp->status, resp->body);
    problem = http_client_assert_problem(resp, 503, "/problems/unavailable");
    ck_assert_msg(retry_after != NULL && strcmp(retry_after, "1") == 0,
                  "%s: Retry-After is '%s', expected 1", what,
                  retry_after != NULL ? retry_after : "(absent)");
    json_decref(problem);
}

START_TEST(test_database_outage_and_recovery)
{
    char                *body;
    size_t               body_len;
    struct http_response post, ready, health, resp;
    double               post_s, ready_s, health_s, waited_s;
    int                  post_rc, ready_rc, health_rc, start_rc;
    struct timespec      recovery_start;
    const struct timespec pause = { 0, RECOVERY_RETRY_NS };
    char                *location = NULL;
    json_t              *created, *fetched, *health_body, *want_health;

    testutil_env("FRAUD_TEST_PG_CTL");
    testutil_env("FRAUD_TEST_DATABASE_URL");
    body = testutil_read_data("reports/valid/domain_case_2.json", &body_len);

    /* Up: the service has open connections with prepared statements. */
    http_client_post_json("/v1/reports", body, body_len, &resp);
    ck_assert_msg(resp.status == 201, "before the outage POST answered %ld", resp.status);
    http_client_response_free(&resp);

    ck_assert_msg(pg_ctl("stop") == 0, "$FRAUD_TEST_PG_CTL stop failed");

    /* Record everything first and restart the database before asserting
     * anything, so a failure here never leaves it down. */
    post_rc = timed_request("POST", "/v1/reports", body, body_len, &post, &post_s);
    ready_rc = timed_request("GET", "/readyz", NULL, 0, &ready, &ready_s);
    health_rc = timed_request("GET", "/healthz", NULL, 0, &health, &health_s);
    start_rc = pg_ctl("start");

    assert_unavailable("POST /v1/reports", post_rc, &post, post_s);
    assert_unavailable("GET /readyz", ready_rc, &ready, ready_s);
    ck_assert_msg(health_rc == 0 && health.status == 200,
                  "/healthz must not touch the database, but answered %ld (%s)", health.status,
                  health.error != NULL ? health.error : "");
    health_body = http_client_json(&health);
    want_health = json_pack("{s:s}", "status", "ok");
    ck_assert_msg(json_equal(health_body, want_health), "/healthz answered %s", health.body);
    json_decref(want_health);
    json_decref(health_body);
    http_client_response_free(&post);
    http_client_response_free(&ready);
    http_client_response_free(&health);
    ck_assert_msg(start_rc == 0, "$FRAUD_TEST_PG_CTL start failed");

    /* Back: connections (and their prepared statements) return by
     * themselves, without restarting the service. */
    clock_gettime(CLOCK_MONOTONIC, &recovery_start);
    for (;;) {
        double seconds;
        int    rc = timed_request("POST", "/v1/reports", body, body_len, &resp, &seconds);

        if (rc == 0 && resp.status == 201)
            break;
        http_client_response_free(&resp);
        waited_s = timestamp_seconds_since(&recovery_start);
        ck_assert_msg(waited_s < RECOVERY_MAX_S,
                      "no 201 within %.0f s of the database coming back", RECOVERY_MAX_S);
        nanosleep(&pause, NULL);
    }
    location = strdup(http_client_header(&resp, "Location") != NULL
                          ? http_client_header(&resp, "Location") : "");
    ck_assert(location != NULL && location[0] == '/');
    created = http_client_json(&resp);
    http_client_response_free(&resp);
    /* Only the receipt carries seen_before; the rest is the stored report. */
    ck_assert_msg(json_is_object(json_object_get(created, "seen_before")),
                  "receipt after recovery lacks seen_before");
    json_object_del(created, "seen_before");
    json_object_del(created, "receipt");

    http_client_get_as(location, http_client_key("analyst"), &resp);
    ck_assert_msg(resp.status == 200, "GET %s after recovery answered %ld", location,
                  resp.status);
    fetched = http_client_json(&resp);
    ck_assert_msg(json_equal(created, fetched), "report read back after recovery differs");
    json_decref(fetched);
    json_decref(created);
    http_client_response_free(&resp);
    free(location);
    free(body);
}
END_TEST

Suite *
http_misc_suite(void)
{
    Suite *suite = suite_create("http_misc");
    TCase *routes = tcase_create("routes");
    TCase *outage = tcase_create("database_outage");

    tcase_add_unchecked_fixture(routes, http_client_setup, http_client_teardown);
    tcase_set_timeout(routes, 30);
    tcase_add_test(routes, test_healthz_ok);
    tcase_add_test(routes, test_head_healthz_has_no_body);
    tcase_add_test(routes, test_readyz_ready);
    tcase_add_test(routes, test_vocabularies_complete);
    suite_add_tcase(suite, routes);

    /* Last on purpose: it stops and starts the database. */
    tcase_add_unchecked_fixture(outage, outage_setup, outage_teardown);
    tcase_set_timeout(outage, OUTAGE_TIMEOUT_S);
    tcase_add_test(outage, test_database_outage_and_recovery);
    suite_add_tcase(suite, outage);
    return suite;
}
