/*
 * Black-box tests of POST /v1/reports and GET /v1/reports/{id}: every body
 * in tests/data/reports/valid is stored and reads back as it was sent,
 * with the spec's transforms, and a rejected report stores nothing.
 */
#include <check.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "test_db.h"

#define MIN_VALID_BODIES 8
#define REPORTS_PATH     "/v1/reports"
#define LOCATION_PREFIX  "/v1/reports/"

/* Members of the stored report that are plain values: sent value, or null
 * when not sent. */
static const char *const scalar_members[] = {
    "source", "scam_type", "stage", "channel", "impersonated", "info_leak",
    "region", "locality", "narrative", "case_number", "station",
};

/* Every member the stored report must carry. */
static const char *const stored_members[] = {
    "id", "source", "scam_type", "stage", "channel", "impersonated", "info_leak",
    "occurred_at", "reported_at", "region", "locality", "loss", "phones", "apps",
    "accounts", "urls", "chat_ids", "victim", "narrative", "case_number", "station",
};

/* Object indicator lists and the members each item reads back with. */
struct object_list {
    const char *list;
    const char *members[2];
};

static const struct object_list object_lists[] = {
    { "apps", { "name", "role" } },
    { "accounts", { "value", "kind" } },
    { "chat_ids", { "value", "app" } },
};

/* What one successful POST handed back. */
struct stored {
    json_t *report;     /* the 201 body less seen_before: the GET body */
    char   *id;         /* the report's id */
    char   *location;   /* "/v1/reports/<id>" */
};

static void
stored_free(struct stored *stored)
{
    json_decref(stored->report);
    free(stored->id);
    free(stored->location);
    memset(stored, 0, sizeof(*stored));
}

/* json_object_get that treats a JSON null as absent. */
static json_t *
sent_member(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);

    return json_is_null(value) ? NULL : value;
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

/* The receipt alone carries seen_before, three objects of counts; takes
 * it off `report` so that the rest can be compared with the GET body. */
static void
take_seen_before(const char *label, json_t *report)
{
    static const char *const maps[] = { "phones", "accounts", "urls" };
    json_t                  *seen = json_object_get(report, "seen_before");

    ck_assert_msg(json_is_object(seen) && json_object_size(seen) == 3,
                  "%s: 201 body lacks seen_before with three members", label);
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
        ck_assert_msg(json_is_object(json_object_get(seen, maps[i])),
                      "%s: seen_before.%s is not an object", label, maps[i]);
    json_object_del(report, "seen_before");
    ck_assert_msg(json_is_string(json_object_get(report, "receipt"))
                      && strncmp(json_string_value(json_object_get(report, "receipt")), "fr_", 3)
                             == 0,
                  "%s: 201 body lacks its receipt token", label);
    json_object_del(report, "receipt");
}

/* Borrows body; POSTs it with content_type, expects 201, reads the
 * Location back and fills *out (caller stored_free()s). Both bodies
 * (201 less its seen_before, and GET) are checked to be the same JSON. */
static void
post_and_read_back(const char *label, const char *body, size_t body_len,
                   const char *content_type, struct stored *out)
{
    struct http_request  req = {
        .method = "POST", .path = REPORTS_PATH, .content_type = content_type,
        .body = body, .body_len = body_len,
    };
    struct http_response created, fetched;
    const char          *location;
    json_t              *id, *read_back;

    memset(out, 0, sizeof(*out));
    ck_assert_msg(http_client_perform(&req, &created) == 0, "%s: POST: %s", label, created.error);
    ck_assert_msg(created.status == 201, "%s: POST answered %ld: %.500s", label, created.status,
                  created.body);
    http_client_assert_common(&created);
    assert_json_content_type(&created);

    location = http_client_header(&created, "Location");
    ck_assert_msg(location != NULL, "%s: 201 without Location", label);
    ck_assert_msg(strncmp(location, LOCATION_PREFIX, strlen(LOCATION_PREFIX)) == 0
                      && http_client_is_uuid(location + strlen(LOCATION_PREFIX)),
                  "%s: Location '%s' is not /v1/reports/<uuid>", label, location);
    out->location = strdup(location);
    ck_assert(out->location != NULL);

    out->report = http_client_json(&created);
    ck_assert_msg(json_is_object(out->report), "%s: 201 body is not an object", label);
    take_seen_before(label, out->report);
    id = json_object_get(out->report, "id");
    ck_assert_msg(json_is_string(id), "%s: 201 body has no string id", label);
    ck_assert_msg(strcmp(json_string_value(id), location + strlen(LOCATION_PREFIX)) == 0,
                  "%s: body id %s does not match Location %s", label, json_string_value(id),
                  location);
    out->id = strdup(json_string_value(id));
    ck_assert(out->id != NULL);
    http_client_response_free(&created);

    /* As an analyst reads it: without the victim details that only the
     * submitting station's police see. */
    http_client_get_as(out->location, http_client_key("analyst"), &fetched);
    ck_assert_msg(fetched.status == 200, "%s: GET %s answered %ld: %.300s", label, out->location,
                  fetched.status, fetched.body);
    http_client_assert_common(&fetched);
    assert_json_content_type(&fetched);
    read_back = http_client_json(&fetched);
    ck_assert_msg(json_equal(read_back, out->report),
                  "%s: GET body differs from the 201 body:\n%.2000s", label, fetched.body);
    json_decref(read_back);
    http_client_response_free(&fetched);
}

/* Borrows everything; fails unless `stored_time` is an RFC 3339 UTC time
 * with Z naming the same instant as `sent_time` (PostgreSQL compares). */
static void
assert_same_instant(const char *label, const char *sent_time, const char *stored_time)
{
    regex_t     utc;
    const char *params[2] = { sent_time, stored_time };
    char       *same;

    ck_assert(regcomp(&utc,
                      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
                      REG_EXTENDED | REG_NOSUB) == 0);
    ck_assert_msg(regexec(&utc, stored_time, 0, NULL, 0) == 0,
                  "%s: stored time '%s' is not RFC 3339 UTC with Z", label, stored_time);
    regfree(&utc);
    same = test_db_scalar("select ($1::timestamptz = $2::timestamptz)::text", 2, params);
    ck_assert_msg(same != NULL && strcmp(same, "true") == 0,
                  "%s: sent %s, stored %s: not the same instant", label, sent_time, stored_time);
    free(same);
}

static void
assert_reported_recently(const char *label, const json_t *report)
{
    json_t     *reported_at = json_object_get(report, "reported_at");
    const char *params[1];
    char       *recent;

    ck_assert_msg(json_is_string(reported_at), "%s: reported_at is not a string", label);
    params[0] = json_string_value(reported_at);
    ck_assert_msg(params[0][strlen(params[0]) - 1] == 'Z', "%s: reported_at '%s' is not UTC Z",
                  label, params[0]);
    recent = test_db_scalar(
        "select (abs(extract(epoch from clock_timestamp() - $1::timestamptz)) < 5)::text", 1,
        params);
    ck_assert_msg(recent != NULL && strcmp(recent, "true") == 0,
                  "%s: reported_at %s is not within 5 s of now", label, params[0]);
    free(recent);
}

static void
assert_phone_shape(const char *label, size_t index, const json_t *phone, const char *raw)
{
    json_t *e164 = json_object_get(phone, "e164");
    json_t *type = json_object_get(phone, "type");
    json_t *region = json_object_get(phone, "region");
    json_t *valid = json_object_get(phone, "valid");
    regex_t e164_form;

    ck_assert_msg(json_is_object(phone), "%s: phones/%zu is not an object", label, index);
    ck_assert_msg(json_is_string(json_object_get(phone, "raw"))
                      && strcmp(json_string_value(json_object_get(phone, "raw")), raw) == 0,
                  "%s: phones/%zu raw is not '%s'", label, index, raw);
    ck_assert_msg(json_is_boolean(json_object_get(phone, "leading_plus"))
                      && json_is_true(json_object_get(phone, "leading_plus")) == (raw[0] == '+'),
                  "%s: phones/%zu leading_plus is wrong for '%s'", label, index, raw);
    ck_assert_msg(json_is_boolean(json_object_get(phone, "international")),
                  "%s: phones/%zu international is not a boolean", label, index);
    ck_assert_msg(json_is_boolean(valid), "%s: phones/%zu valid is not a boolean", label, index);
    ck_assert_msg(json_is_string(type) || json_is_null(type),
                  "%s: phones/%zu type is neither string nor null", label, index);
    ck_assert_msg(json_is_string(region) || json_is_null(region),
                  "%s: phones/%zu region is neither string nor null", label, index);
    if (json_is_null(e164)) {
        ck_assert_msg(json_is_false(valid) && json_is_null(type) && json_is_null(region),
                      "%s: phones/%zu not normalised but valid/type/region are set", label,
                      index);
        return;
    }
    ck_assert_msg(json_is_string(e164), "%s: phones/%zu e164 is neither string nor null", label,
                  index);
    ck_assert(regcomp(&e164_form, "^\\+[1-9][0-9]{1,14}$", REG_EXTENDED | REG_NOSUB) == 0);
    ck_assert_msg(regexec(&e164_form, json_string_value(e164), 0, NULL, 0) == 0,
                  "%s: phones/%zu e164 '%s' is not E.164", label, index, json_string_value(e164));
    regfree(&e164_form);
}

static void
assert_phones(const char *label, const json_t *sent, const json_t *stored)
{
    size_t count = sent == NULL ? 0 : json_array_size(sent);

    ck_assert_msg(json_is_array(stored), "%s: phones is not an array", label);
    ck_assert_msg(json_array_size(stored) == count, "%s: sent %zu phones, stored %zu", label,
                  count, json_array_size(stored));
    for (size_t i = 0; i < count; i++)
        assert_phone_shape(label, i, json_array_get(stored, i),
                           json_string_value(json_array_get(sent, i)));
}

static void
assert_object_list(const char *label, const struct object_list *list, const json_t *sent,
                   const json_t *stored)
{
    size_t count = sent == NULL ? 0 : json_array_size(sent);

    ck_assert_msg(json_is_array(stored), "%s: %s is not an array", label, list->list);
    ck_assert_msg(json_array_size(stored) == count, "%s: sent %zu %s, stored %zu", label, count,
                  list->list, json_array_size(stored));
    for (size_t i = 0; i < count; i++) {
        json_t *sent_item = json_array_get(sent, i);
        json_t *stored_item = json_array_get(stored, i);

        ck_assert_msg(json_is_object(stored_item), "%s: %s/%zu is not an object", label,
                      list->list, i);
        for (size_t m = 0; m < 2; m++) {
            const char *key = list->members[m];
            json_t     *want = sent_member(sent_item, key);
            json_t     *got = json_object_get(stored_item, key);

            ck_assert_msg(got != NULL, "%s: %s/%zu has no member %s", label, list->list, i, key);
            ck_assert_msg(want != NULL ? json_equal(want, got) : json_is_null(got),
                          "%s: %s/%zu/%s differs from what was sent", label, list->list, i, key);
        }
    }
}

static void
assert_victim(const char *label, const json_t *sent, const json_t *stored, const char *raw_body)
{
    static const char *const shown[] = { "age_band", "gender" };
    static const char *const hidden[] = { "name", "contact" };

    ck_assert_msg(json_is_object(stored), "%s: victim is not an object", label);
    for (size_t i = 0; i < 2; i++) {
        json_t *want = sent == NULL ? NULL : sent_member(sent, shown[i]);
        json_t *got = json_object_get(stored, shown[i]);

        ck_assert_msg(got != NULL, "%s: victim has no member %s", label, shown[i]);
        ck_assert_msg(want != NULL ? json_equal(want, got) : json_is_null(got),
                      "%s: victim/%s differs from what was sent", label, shown[i]);
    }
    for (size_t i = 0; i < 2; i++) {
        json_t *secret = sent == NULL ? NULL : sent_member(sent, hidden[i]);

        ck_assert_msg(json_object_get(stored, hidden[i]) == NULL,
                      "%s: victim/%s is returned, but personal data never is", label, hidden[i]);
        if (json_is_string(secret))
            ck_assert_msg(strstr(raw_body, json_string_value(secret)) == NULL,
                          "%s: the victim's %s appears in the response", label, hidden[i]);
    }
}

/* Borrows all; fails unless `stored` holds everything `sent` holds. */
static void
assert_report_matches(const char *label, const json_t *sent, const json_t *stored,
                      const char *raw_body)
{
    json_t *want, *got;

    for (size_t i = 0; i < sizeof(stored_members) / sizeof(stored_members[0]); i++)
        ck_assert_msg(json_object_get(stored, stored_members[i]) != NULL,
                      "%s: stored report lacks member %s", label, stored_members[i]);

    for (size_t i = 0; i < sizeof(scalar_members) / sizeof(scalar_members[0]); i++) {
        want = sent_member(sent, scalar_members[i]);
        got = json_object_get(stored, scalar_members[i]);
        ck_assert_msg(want != NULL ? json_equal(want, got) : json_is_null(got),
                      "%s: %s differs from what was sent", label, scalar_members[i]);
    }

    want = sent_member(sent, "occurred_at");
    got = json_object_get(stored, "occurred_at");
    if (want == NULL) {
        ck_assert_msg(json_is_null(got), "%s: occurred_at was not sent but is not null", label);
    } else {
        ck_assert_msg(json_is_string(got), "%s: occurred_at is not a string", label);
        assert_same_instant(label, json_string_value(want), json_string_value(got));
    }

    want = sent_member(sent, "loss");
    got = json_object_get(stored, "loss");
    ck_assert_msg(want != NULL ? json_equal(want, got) : json_is_null(got),
                  "%s: loss differs from what was sent", label);

    assert_phones(label, sent_member(sent, "phones"), json_object_get(stored, "phones"));
    for (size_t i = 0; i < sizeof(object_lists) / sizeof(object_lists[0]); i++)
        assert_object_list(label, &object_lists[i], sent_member(sent, object_lists[i].list),
                           json_object_get(stored, object_lists[i].list));

    want = sent_member(sent, "urls");
    got = json_object_get(stored, "urls");
    if (want == NULL)
        ck_assert_msg(json_is_array(got) && json_array_size(got) == 0,
                      "%s: urls not sent but not []", label);
    else
        ck_assert_msg(json_equal(want, got), "%s: urls differ from what was sent", label);

    assert_victim(label, sent_member(sent, "victim"), json_object_get(stored, "victim"), raw_body);
}

/* Posts the data file valid/<name>, checks the read-back, returns what was
 * stored (caller stored_free()s). */
static void
post_valid_file(const char *name, struct stored *out)
{
    char  *rel;
    char  *body;
    size_t body_len;

    ck_assert(asprintf(&rel, "reports/valid/%s", name) > 0);
    body = testutil_read_data(rel, &body_len);
    post_and_read_back(name, body, body_len, "application/json", out);
    free(body);
    free(rel);
}

/* A missing or emptied data folder must fail, not pass with no bodies. */
START_TEST(test_valid_bodies_present)
{
    size_t count = 0;
    char **names = testutil_list_data("reports/valid", ".json", &count);

    ck_assert_msg(count >= MIN_VALID_BODIES, "only %zu valid bodies, expected at least %d", count,
                  MIN_VALID_BODIES);
    testutil_free_list(names);
}
END_TEST

/* Items the report names in `list`: what one POST must add to its table. */
static long long
items_sent(const json_t *sent, const char *list)
{
    json_t *items = sent_member(sent, list);

    return items == NULL ? 0 : (long long)json_array_size(items);
}

/* One loop iteration per valid/<name>.json (sorted by name). */
START_TEST(test_valid_body_round_trips)
{
    size_t                count = 0;
    char                **names = testutil_list_data("reports/valid", ".json", &count);
    const char           *name;
    char                 *rel, *body, *raw;
    size_t                body_len;
    json_t               *sent;
    json_error_t          error;
    struct stored         stored;
    struct test_db_counts before, after;

    ck_assert_msg((size_t)_i < count, "body %d vanished while the suite ran", _i);
    name = names[_i];
    ck_assert(asprintf(&rel, "reports/valid/%s", name) > 0);
    body = testutil_read_data(rel, &body_len);
    sent = json_loadb(body, body_len, 0, &error);
    ck_assert_msg(json_is_object(sent), "%s is not a JSON object: %s", name, error.text);

    test_db_counts_take(&before);
    post_and_read_back(name, body, body_len, "application/json", &stored);
    test_db_counts_take(&after);

    /* Exactly one report and exactly the indicators it names. */
    ck_assert_msg(after.rows[0] == before.rows[0] + 1, "%s: reports grew by %lld, not 1", name,
                  after.rows[0] - before.rows[0]);
    for (size_t t = 1; t < TEST_DB_REPORT_TABLES; t++) {
        const char *list = test_db_report_tables[t] + strlen("report_");
        long long   want = items_sent(sent, list);

        ck_assert_msg(after.rows[t] - before.rows[t] == want
                          && test_db_count_report(test_db_report_tables[t], stored.id) == want,
                      "%s: %s should hold %lld rows of this report, grew by %lld", name,
                      test_db_report_tables[t], want, after.rows[t] - before.rows[t]);
    }

    raw = json_dumps(stored.report, JSON_COMPACT);
    ck_assert(raw != NULL);
    assert_report_matches(name, sent, stored.report, raw);
    assert_reported_recently(name, stored.report);

    free(raw);
    stored_free(&stored);
    json_decref(sent);
    free(body);
    free(rel);
    testutil_free_list(names);
}
END_TEST

/* The victim's name and contact are stored for a police report but never
 * returned: check the raw bytes of both the 201 and the GET answer. */
START_TEST(test_police_personal_data_stored_not_returned)
{
    struct stored        stored;
    struct http_response fetched;
    json_t              *report;
    char                *text;
    const char          *params[1];
    PGresult            *row;

    post_valid_file("police_full.json", &stored);
    http_client_get_as(stored.location, http_client_key("analyst"), &fetched);
    ck_assert_int_eq(fetched.status, 200);
    /* Compare decoded text, so \u escapes in the answer cannot hide it. */
    report = http_client_json(&fetched);
    text = json_dumps(report, JSON_COMPACT);
    ck_assert(text != NULL);
    ck_assert_msg(strstr(text, "王晓燕受害人姓名") == NULL, "victim name in GET body");
    ck_assert_msg(strstr(text, "受害人联系电话13912340000") == NULL, "victim contact in GET body");
    free(text);
    json_decref(report);
    http_client_response_free(&fetched);

    params[0] = stored.id;
    row = test_db_query("select victim_name, victim_contact from reports where id = $1::uuid", 1,
                        params);
    ck_assert_int_eq(PQntuples(row), 1);
    ck_assert_msg(strcmp(PQgetvalue(row, 0, 0), "王晓燕受害人姓名") == 0
                      && strcmp(PQgetvalue(row, 0, 1), "受害人联系电话13912340000") == 0,
                  "a police report's victim name and contact must be stored");
    PQclear(row);
    stored_free(&stored);
}
END_TEST

static json_t *
first_phone(const struct stored *stored)
{
    json_t *phone = json_array_get(json_object_get(stored->report, "phones"), 0);

    ck_assert_msg(json_is_object(phone), "no phones/0 object in %s", stored->id);
    return phone;
}

START_TEST(test_domain_case_1_phone_normalised)
{
    struct stored stored;
    json_t       *phone;

    post_valid_file("domain_case_1.json", &stored);
    phone = first_phone(&stored);
    ck_assert_str_eq(json_string_value(json_object_get(phone, "raw")), "+86 138 0000 0000");
    ck_assert_str_eq(json_string_value(json_object_get(phone, "e164")), "+8613800000000");
    ck_assert(json_is_true(json_object_get(phone, "leading_plus")));
    ck_assert(json_is_false(json_object_get(phone, "international")));
    ck_assert(json_is_true(json_object_get(phone, "valid")));
    ck_assert_str_eq(json_string_value(json_object_get(phone, "type")), "mobile");
    ck_assert_str_eq(json_string_value(json_object_get(phone, "region")), "CN");
    stored_free(&stored);
}
END_TEST

START_TEST(test_domain_case_2_phone_international)
{
    struct stored stored;
    json_t       *phone;

    post_valid_file("domain_case_2.json", &stored);
    phone = first_phone(&stored);
    ck_assert_str_eq(json_string_value(json_object_get(phone, "raw")), "+1 (202) 555-0147");
    ck_assert_str_eq(json_string_value(json_object_get(phone, "e164")), "+12025550147");
    ck_assert(json_is_true(json_object_get(phone, "leading_plus")));
    ck_assert(json_is_true(json_object_get(phone, "international")));
    ck_assert_str_eq(json_string_value(json_object_get(phone, "region")), "US");
    ck_assert(json_is_null(json_object_get(stored.report, "occurred_at")));
    stored_free(&stored);
}
END_TEST

START_TEST(test_unparseable_phone_kept_as_given)
{
    struct stored stored;
    json_t       *phone;

    post_valid_file("unparseable_phone.json", &stored);
    phone = first_phone(&stored);
    ck_assert_str_eq(json_string_value(json_object_get(phone, "raw")), "未显示号码");
    ck_assert(json_is_null(json_object_get(phone, "e164")));
    ck_assert(json_is_false(json_object_get(phone, "valid")));
    ck_assert(json_is_null(json_object_get(phone, "type")));
    ck_assert(json_is_null(json_object_get(phone, "region")));
    ck_assert(json_is_false(json_object_get(phone, "leading_plus")));
    stored_free(&stored);
}
END_TEST

START_TEST(test_hundred_phones_hundred_rows)
{
    struct stored stored;

    post_valid_file("phones_100.json", &stored);
    ck_assert_uint_eq(json_array_size(json_object_get(stored.report, "phones")), 100);
    ck_assert_int_eq(test_db_count_report("report_phones", stored.id), 100);
    stored_free(&stored);
}
END_TEST

START_TEST(test_charset_utf8_parameter_accepted)
{
    struct stored stored;
    char         *body;
    size_t        body_len;

    body = testutil_read_data("reports/valid/domain_case_2.json", &body_len);
    post_and_read_back("charset=utf-8", body, body_len, "application/json; charset=utf-8",
                       &stored);
    stored_free(&stored);
    free(body);
}
END_TEST

START_TEST(test_get_by_uppercase_id)
{
    struct stored        stored;
    struct http_response fetched;
    char                *path;
    json_t              *report;

    post_valid_file("public_one_app.json", &stored);
    ck_assert(asprintf(&path, LOCATION_PREFIX "%s", stored.id) > 0);
    for (char *c = path + strlen(LOCATION_PREFIX); *c != '\0'; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    http_client_get(path, &fetched);
    ck_assert_msg(fetched.status == 200, "GET %s answered %ld", path, fetched.status);
    report = http_client_json(&fetched);
    ck_assert_msg(json_equal(report, stored.report), "GET by upper-case id differs");
    json_decref(report);
    http_client_response_free(&fetched);
    free(path);
    stored_free(&stored);
}
END_TEST

START_TEST(test_head_report_has_no_body)
{
    struct stored        stored;
    struct http_request  req = { .method = "HEAD" };
    struct http_response head;

    post_valid_file("public_one_app.json", &stored);
    req.path = stored.location;
    ck_assert_msg(http_client_perform(&req, &head) == 0, "HEAD: %s", head.error);
    ck_assert_int_eq(head.status, 200);
    ck_assert_uint_eq(head.body_len, 0);
    http_client_assert_common(&head);
    assert_json_content_type(&head);
    http_client_response_free(&head);
    stored_free(&stored);
}
END_TEST

START_TEST(test_get_unknown_id_not_found)
{
    struct http_response resp;
    json_t              *problem;

    http_client_get(LOCATION_PREFIX "00000000-0000-4000-8000-000000000000", &resp);
    problem = http_client_assert_problem(&resp, 404, "/problems/not-found");
    json_decref(problem);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_get_malformed_id_invalid)
{
    static const char *const bad_ids[] = {
        "not-a-uuid",
        "0b6f3e0e-1111-4222-8333-44445555666",     /* 35 characters */
        "0b6f3e0e-1111-4222-8333-4444555566667",   /* 37 characters */
        "0b6f3e0e-1111-4222-8333-44445555666g",    /* not hex */
        "0b6f3e0e111142228333444455556666",        /* no hyphens */
        "0b6f3e0e_1111_4222_8333_444455556666",
    };

    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        struct http_response resp;
        char                *path;
        json_t              *problem;

        ck_assert(asprintf(&path, LOCATION_PREFIX "%s", bad_ids[i]) > 0);
        http_client_get(path, &resp);
        ck_assert_msg(resp.status == 400, "GET %s answered %ld", path, resp.status);
        problem = http_client_assert_problem(&resp, 400, "/problems/invalid-id");
        json_decref(problem);
        http_client_response_free(&resp);
        free(path);
    }
}
END_TEST

/* A report naming 50 indicators, 10 of each kind; with last_invalid, the
 * 50th (chat_ids/9) has an empty value. Returns a new JSON text, caller
 * frees. */
static char *
fifty_indicators(bool last_invalid)
{
    json_t *report = json_pack("{s:s, s:s, s:s, s:s, s:{s:I, s:s}}", "source", "victim",
                               "scam_type", "fake_customer_service", "stage", "channel_switch",
                               "occurred_at", "2020-10-30T12:00:00+08:00", "loss", "amount",
                               (json_int_t)13000, "currency", "CNY");
    json_t *phones = json_array(), *apps = json_array(), *accounts = json_array();
    json_t *urls = json_array(), *chat_ids = json_array();
    char   *text;

    ck_assert(report != NULL && phones != NULL && apps != NULL && accounts != NULL
              && urls != NULL && chat_ids != NULL);
    for (int i = 0; i < 10; i++) {
        char phone[32], app[32], account[32], url[64], chat_id[32];

        snprintf(phone, sizeof(phone), "+86 138 0000 %04d", i);
        snprintf(app, sizeof(app), "退款助手%d", i);
        snprintf(account, sizeof(account), "6222 0000 0000 %04d", i);
        snprintf(url, sizeof(url), "https://refund-%d.example.com/claim", i);
        snprintf(chat_id, sizeof(chat_id), "wxid_refund_%d", i);
        if (last_invalid && i == 9)
            chat_id[0] = '\0';
        json_array_append_new(phones, json_string(phone));
        json_array_append_new(apps, json_pack("{s:s, s:s}", "name", app, "role", "chat"));
        json_array_append_new(accounts, json_pack("{s:s, s:s}", "value", account,
                                                  "kind", "bank_card"));
        json_array_append_new(urls, json_string(url));
        json_array_append_new(chat_ids, json_pack("{s:s, s:s}", "value", chat_id,
                                                  "app", "企业微信"));
    }
    json_object_set_new(report, "phones", phones);
    json_object_set_new(report, "apps", apps);
    json_object_set_new(report, "accounts", accounts);
    json_object_set_new(report, "urls", urls);
    json_object_set_new(report, "chat_ids", chat_ids);
    text = json_dumps(report, JSON_COMPACT);
    ck_assert(text != NULL);
    json_decref(report);
    return text;
}

START_TEST(test_fifty_indicators_last_invalid_stores_nothing)
{
    struct test_db_counts before;
    struct http_response  resp;
    char                 *body = fifty_indicators(true);
    json_t               *problem, *errors, *item;

    test_db_counts_take(&before);
    http_client_post_json(REPORTS_PATH, body, strlen(body), &resp);
    problem = http_client_assert_problem(&resp, 422, "/problems/invalid-report");
    errors = json_object_get(problem, "errors");
    ck_assert_msg(json_is_array(errors) && json_array_size(errors) == 1,
                  "expected exactly one error: %.500s", resp.body);
    item = json_array_get(errors, 0);
    ck_assert_str_eq(json_string_value(json_object_get(item, "pointer")), "/chat_ids/9/value");
    ck_assert_str_eq(json_string_value(json_object_get(item, "code")), "empty");
    test_db_counts_assert_same(&before, "50 indicators, the 50th invalid");
    json_decref(problem);
    http_client_response_free(&resp);
    free(body);
}
END_TEST

START_TEST(test_fifty_indicators_all_valid_stores_all)
{
    struct test_db_counts before, after;
    struct stored         stored;
    char                 *body = fifty_indicators(false);
    json_t               *sent;
    char                 *raw;

    test_db_counts_take(&before);
    post_and_read_back("50 indicators", body, strlen(body), "application/json", &stored);
    test_db_counts_take(&after);

    ck_assert_int_eq(after.rows[0], before.rows[0] + 1);
    for (size_t i = 1; i < TEST_DB_REPORT_TABLES; i++) {
        ck_assert_msg(after.rows[i] == before.rows[i] + 10, "%s grew by %lld, expected 10",
                      test_db_report_tables[i], after.rows[i] - before.rows[i]);
        ck_assert_int_eq(test_db_count_report(test_db_report_tables[i], stored.id), 10);
    }
    sent = json_loads(body, 0, NULL);
    ck_assert(sent != NULL);
    raw = json_dumps(stored.report, JSON_COMPACT);
    ck_assert(raw != NULL);
    assert_report_matches("50 indicators", sent, stored.report, raw);
    free(raw);
    json_decref(sent);
    stored_free(&stored);
    free(body);
}
END_TEST

Suite *
http_reports_suite(void)
{
    Suite *suite = suite_create("http_reports");
    TCase *round_trip = tcase_create("round_trip");
    TCase *reading = tcase_create("reading");
    TCase *atomic = tcase_create("whole_or_nothing");

    tcase_add_unchecked_fixture(round_trip, http_client_setup, http_client_teardown);
    tcase_set_timeout(round_trip, 60);
    tcase_add_test(round_trip, test_valid_bodies_present);
    tcase_add_loop_test(round_trip, test_valid_body_round_trips, 0,
                        (int)testutil_count_data("reports/valid", ".json"));
    tcase_add_test(round_trip, test_police_personal_data_stored_not_returned);
    tcase_add_test(round_trip, test_domain_case_1_phone_normalised);
    tcase_add_test(round_trip, test_domain_case_2_phone_international);
    tcase_add_test(round_trip, test_unparseable_phone_kept_as_given);
    tcase_add_test(round_trip, test_hundred_phones_hundred_rows);
    tcase_add_test(round_trip, test_charset_utf8_parameter_accepted);
    suite_add_tcase(suite, round_trip);

    tcase_add_unchecked_fixture(reading, http_client_setup, http_client_teardown);
    tcase_set_timeout(reading, 30);
    tcase_add_test(reading, test_get_by_uppercase_id);
    tcase_add_test(reading, test_head_report_has_no_body);
    tcase_add_test(reading, test_get_unknown_id_not_found);
    tcase_add_test(reading, test_get_malformed_id_invalid);
    suite_add_tcase(suite, reading);

    tcase_add_unchecked_fixture(atomic, http_client_setup, http_client_teardown);
    tcase_set_timeout(atomic, 30);
    tcase_add_test(atomic, test_fifty_indicators_last_invalid_stores_nothing);
    tcase_add_test(atomic, test_fifty_indicators_all_valid_stores_all);
    suite_add_tcase(suite, atomic);
    return suite;
}
