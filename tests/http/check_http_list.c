/*
 * Black-box tests of GET /v1/reports and of the seen_before counts in the
 * receipt of POST /v1/reports. A fixture posted by the test itself
 * (tests/data/list/fixture.json) is read back through every filter of
 * tests/data/list/filters.tsv; the reports of other suites are kept out by
 * the time the fixture started, and by stations and numbers unique to the
 * run. A walk over 1,000 reports checks the cursor, also while new
 * reports arrive between pages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "domain/timestamp.h"
#include "../suites.h"
#include "../testutil.h"
#include "http_client.h"
#include "test_db.h"

#define LIST_PATH         "/v1/reports"
#define FIXTURE_MAX       32
#define FIXTURE_SPLIT_KEY "h"       /* {T1} is taken after this report */
#define FILTERS_MIN       40
#define WALK_REPORTS      1000
#define WALK_LIMIT        200
#define WALK_NEW_PER_PAGE 3
#define TIME_TEXT_MAX     40

/* ---- small helpers ------------------------------------------------------ */

/* Returns a new string: `text` with every `from` replaced by `to`. */
static char *
replace_all(const char *text, const char *from, const char *to)
{
    char       *out = NULL;
    size_t      len = 0;
    FILE       *f = open_memstream(&out, &len);
    const char *hit;

    ck_assert(f != NULL);
    while ((hit = strstr(text, from)) != NULL) {
        fwrite(text, 1, (size_t)(hit - text), f);
        fputs(to, f);
        text = hit + strlen(from);
    }
    fputs(text, f);
    fclose(f);
    return out;
}

/* Percent-encodes every byte but the RFC 3986 unreserved ones. Returns a
 * new string. */
static char *
url_encode(const char *text)
{
    char  *out = NULL;
    size_t len = 0;
    FILE  *f = open_memstream(&out, &len);

    ck_assert(f != NULL);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
            || strchr("-._~", *p) != NULL)
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
    fclose(f);
    return out;
}

/* The database's clock now, as RFC 3339 UTC text: reported_at comes from
 * the same clock. */
static void
db_now(char out[TIME_TEXT_MAX])
{
    char *now = test_db_scalar("SELECT rfc3339(clock_timestamp())", 0, NULL);

    ck_assert(now != NULL);
    snprintf(out, TIME_TEXT_MAX, "%s", now);
    free(now);
}

/* Something no other run or suite uses: "<prefix> <pid>-<ns>". */
static void
unique_text(char *out, size_t size, const char *prefix)
{
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(out, size, "%s %ld-%ld%09ld", prefix, (long)getpid(), (long)now.tv_sec,
             now.tv_nsec);
}

/* POSTs `report` (borrowed), expects 201, returns the receipt (a new
 * reference). */
static json_t *
post_report(const json_t *report)
{
    char                *body = json_dumps(report, JSON_COMPACT);
    struct http_response resp;
    json_t              *receipt;

    ck_assert(body != NULL);
    http_client_post_json(LIST_PATH, body, strlen(body), &resp);
    ck_assert_msg(resp.status == 201, "POST answered %ld: %.300s", resp.status, resp.body);
    receipt = http_client_json(&resp);
    http_client_response_free(&resp);
    free(body);
    return receipt;
}

/* GETs `path`, expects 200 with {"items": [...], "next": ...}; returns the
 * body (a new reference) and leaves the response in *resp (caller frees). */
static json_t *
get_page(const char *path, struct http_response *resp)
{
    json_t *page;

    http_client_get(path, resp);
    ck_assert_msg(resp->status == 200, "GET %s answered %ld: %.300s", path, resp->status,
                  resp->body);
    http_client_assert_common(resp);
    page = http_client_json(resp);
    ck_assert_msg(json_is_array(json_object_get(page, "items")), "%s: no items array", path);
    ck_assert_msg(json_is_string(json_object_get(page, "next"))
                      || json_is_null(json_object_get(page, "next")),
                  "%s: next is neither a string nor null", path);
    return page;
}

/* ---- the fixture and every filter ---------------------------------------- */

struct fixture {
    size_t count;
    char   keys[FIXTURE_MAX][8];
    char   ids[FIXTURE_MAX][40];
    char   t0[TIME_TEXT_MAX], t1[TIME_TEXT_MAX];
    char   station[64], station2[64];
};

/* Replaces the placeholders of fixture.json and filters.tsv. Returns a new
 * string. */
static char *
substitute(const struct fixture *fx, const char *text)
{
    char *station = url_encode(fx->station);
    char *station2 = url_encode(fx->station2);
    char *a = replace_all(text, "{T0}", fx->t0);
    char *b = replace_all(a, "{T1}", fx->t1);
    char *c = replace_all(b, "{STATION2}", station2);
    char *d = replace_all(c, "{STATION}", station);

    free(a);
    free(b);
    free(c);
    free(station);
    free(station2);
    return d;
}

static void
set_status(const struct fixture *fx, const char *key, const char *status)
{
    for (size_t i = 0; i < fx->count; i++)
        if (strcmp(fx->keys[i], key) == 0) {
            const char *params[2] = {fx->ids[i], status};

            PQclear(test_db_query("UPDATE reports SET status = $2 WHERE id = $1::uuid", 2,
                                  params));
            return;
        }
    ck_abort_msg("no fixture report %s", key);
}

/* Posts fixture.json in order, with stations unique to this run, and sets
 * the case statuses a report cannot be posted with. */
static void
fixture_post(struct fixture *fx)
{
    char   *raw = testutil_read_data("list/fixture.json", NULL);
    char   *with_station2;
    json_t *items;
    size_t  i;
    json_t *item;

    memset(fx, 0, sizeof(*fx));
    unique_text(fx->station, sizeof(fx->station), "list station");
    unique_text(fx->station2, sizeof(fx->station2), "list station two");
    /* In the JSON the stations go in as they are, not URL-encoded. */
    with_station2 = replace_all(raw, "{STATION2}", fx->station2);
    free(raw);
    raw = replace_all(with_station2, "{STATION}", fx->station);
    free(with_station2);
    items = json_loads(raw, 0, NULL);
    ck_assert_msg(json_is_array(items) && json_array_size(items) <= FIXTURE_MAX,
                  "list/fixture.json is not an array of at most %d reports", FIXTURE_MAX);
    db_now(fx->t0);
    json_array_foreach(items, i, item) {
        json_t *receipt = post_report(json_object_get(item, "report"));

        snprintf(fx->keys[i], sizeof(fx->keys[i]), "%s",
                 json_string_value(json_object_get(item, "key")));
        snprintf(fx->ids[i], sizeof(fx->ids[i]), "%s",
                 json_string_value(json_object_get(receipt, "id")));
        fx->count++;
        json_decref(receipt);
        if (strcmp(fx->keys[i], FIXTURE_SPLIT_KEY) == 0)
            db_now(fx->t1);
    }
    ck_assert_msg(fx->t1[0] != '\0', "fixture has no report %s", FIXTURE_SPLIT_KEY);
    set_status(fx, "c", "closed");
    set_status(fx, "k", "closed");
    set_status(fx, "g", "investigating");
    json_decref(items);
    free(raw);
}

/* The fixture index of report `id`, or -1 for a report not of the fixture. */
static int
fixture_index(const struct fixture *fx, const char *id)
{
    for (size_t i = 0; i < fx->count; i++)
        if (strcmp(fx->ids[i], id) == 0)
            return (int)i;
    return -1;
}

/* Runs one line of filters.tsv; returns NULL when the answer is right,
 * else a new string saying what was wrong. */
static char *
check_filter(const struct fixture *fx, const char *query, const char *want_keys)
{
    char                *path, *problem = NULL;
    struct http_response resp;
    json_t              *page, *report;
    size_t               i;
    bool                 got[FIXTURE_MAX] = {false};
    int                  previous = (int)fx->count;

    ck_assert(asprintf(&path, LIST_PATH "?%s", query) > 0);
    page = get_page(path, &resp);
    json_array_foreach(json_object_get(page, "items"), i, report) {
        int at = fixture_index(fx, json_string_value(json_object_get(report, "id")));

        if (at < 0 && problem == NULL)
            ck_assert(asprintf(&problem, "a report not of the fixture") > 0);
        else if (at >= previous && problem == NULL)
            ck_assert(asprintf(&problem, "%s is not newer than the one before", fx->keys[at]) > 0);
        if (at >= 0) {
            got[at] = true;
            previous = at;
        }
    }
    for (size_t k = 0; k < fx->count && problem == NULL; k++) {
        bool want = strcmp(want_keys, "-") != 0 && strstr(want_keys, fx->keys[k]) != NULL;

        if (want != got[k])
            ck_assert(asprintf(&problem, "%s %s", fx->keys[k],
                               want ? "is missing" : "should not be there") > 0);
    }
    if (problem == NULL && !json_is_null(json_object_get(page, "next")))
        ck_assert(asprintf(&problem, "next is not null on the only page") > 0);
    if (problem == NULL && http_client_header(&resp, "Link") != NULL)
        ck_assert(asprintf(&problem, "Link on the only page") > 0);
    json_decref(page);
    http_client_response_free(&resp);
    free(path);
    return problem;
}

START_TEST(test_every_filter)
{
    struct fixture fx;
    char          *table = testutil_read_data("list/filters.tsv", NULL);
    char          *rest = table, *line;
    char           failures[4096] = "";
    size_t         used = 0;
    int            cases = 0;

    fixture_post(&fx);
    while ((line = strsep(&rest, "\n")) != NULL) {
        char *query, *keys, *problem;

        if (line[0] == '\0' || line[0] == '#')
            continue;
        query = strsep(&line, "\t");
        keys = line;
        ck_assert_msg(keys != NULL, "filters.tsv: want query<TAB>keys: %s", query);
        query = substitute(&fx, query);
        problem = check_filter(&fx, query, keys);
        if (problem != NULL && used < sizeof(failures))
            used += (size_t)snprintf(failures + used, sizeof(failures) - used,
                                     "\n  %s (want %s): %s", query, keys, problem);
        free(problem);
        free(query);
        cases++;
    }
    ck_assert_msg(cases >= FILTERS_MIN, "only %d cases in list/filters.tsv", cases);
    ck_assert_msg(used == 0, "filters answered wrongly:%s", failures);
    free(table);
}
END_TEST

/* limit cuts the fixture into pages; the Link keeps the filter. */
START_TEST(test_small_pages_keep_filter)
{
    struct fixture       fx;
    struct http_response resp;
    char                *path, *station = NULL;
    char                 expected_link[512];
    json_t              *page;
    const char          *link, *next;
    static const char   *const want[] = {"k", "d", "c"};
    size_t               seen = 0;

    fixture_post(&fx);
    station = url_encode(fx.station);
    ck_assert(asprintf(&path, LIST_PATH "?station=%s&limit=2", station) > 0);
    while (path != NULL) {
        size_t  i;
        json_t *report;

        page = get_page(path, &resp);
        json_array_foreach(json_object_get(page, "items"), i, report) {
            int at = fixture_index(&fx, json_string_value(json_object_get(report, "id")));

            ck_assert_msg(seen < 3 && at >= 0 && strcmp(fx.keys[at], want[seen]) == 0,
                          "page item %zu is not %s", seen, seen < 3 ? want[seen] : "-");
            seen++;
        }
        next = json_string_value(json_object_get(page, "next"));
        link = http_client_header(&resp, "Link");
        free(path);
        path = NULL;
        if (next != NULL) {
            snprintf(expected_link, sizeof(expected_link),
                     "</v1/reports?station=%s&limit=2&cursor=%s>; rel=\"next\"", station, next);
            ck_assert_msg(link != NULL && strcmp(link, expected_link) == 0,
                          "Link is '%s', expected '%s'", link != NULL ? link : "(absent)",
                          expected_link);
            path = strndup(link + 1, strlen(link) - strlen(">; rel=\"next\"") - 1);
        } else {
            ck_assert_msg(link == NULL, "Link on the last page");
        }
        json_decref(page);
        http_client_response_free(&resp);
    }
    ck_assert_uint_eq(seen, 3);
    free(station);
}
END_TEST

/* ---- bad queries ------------------------------------------------------- */

struct bad_query {
    const char *query;
    const char *parameter;
    const char *code;
};

static const struct bad_query bad_queries[] = {
    {"limit=0", "limit", "range"},
    {"limit=201", "limit", "range"},
    {"limit=-5", "limit", "range"},
    {"limit=ten", "limit", "range"},
    {"limit=", "limit", "empty"},
    {"limit", "limit", "empty"},
    {"cursor=garbage", "cursor", "format"},
    {"cursor=MTIzLm5vdC1hLXV1aWQ", "cursor", "format"},
    {"sort=reported_at", "sort", "unknown_parameter"},
    {"source=analyst", "source", "unknown_code"},
    {"scam_type=FAKE_LOAN", "scam_type", "unknown_code"},
    {"stage_min=payment", "stage_min", "unknown_code"},
    {"status=reopened", "status", "unknown_code"},
    {"channel=pigeon", "channel", "unknown_code"},
    {"region=4", "region", "format"},
    {"region=99", "region", "unknown_code"},
    {"region=441999", "region", "unknown_code"},
    {"phone=call%20me", "phone", "format"},
    {"occurred_from=yesterday", "occurred_from", "format"},
    {"reported_to=2026-01-01", "reported_to", "format"},
    {"occurred_to=1800-01-01T00:00:00Z", "occurred_to", "range"},
    {"source=police&source=victim", "source", "duplicate"},
    {"app=%FF", "app", "format"},
    {"station=a%09b", "station", "format"},
};

START_TEST(test_bad_query)
{
    const struct bad_query *bad = &bad_queries[_i];
    struct http_response    resp;
    char                   *path;
    json_t                 *problem, *errors, *first;

    ck_assert(asprintf(&path, LIST_PATH "?%s", bad->query) > 0);
    http_client_get(path, &resp);
    ck_assert_msg(resp.status == 400, "%s answered %ld: %.300s", bad->query, resp.status,
                  resp.body);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-query");
    errors = json_object_get(problem, "errors");
    first = json_array_get(errors, 0);
    ck_assert_msg(json_array_size(errors) == 1, "%s: %zu errors", bad->query,
                  json_array_size(errors));
    ck_assert_str_eq(json_string_value(json_object_get(first, "parameter")), bad->parameter);
    ck_assert_str_eq(json_string_value(json_object_get(first, "code")), bad->code);
    ck_assert_msg(strstr(json_string_value(json_object_get(problem, "detail")), bad->parameter)
                      != NULL,
                  "%s: detail does not name %s", bad->query, bad->parameter);
    json_decref(problem);
    http_client_response_free(&resp);
    free(path);
}
END_TEST

START_TEST(test_several_bad_parameters_at_once)
{
    struct http_response resp;
    json_t              *problem, *errors;

    http_client_get(LIST_PATH "?limit=0&colour=red&region=4", &resp);
    problem = http_client_assert_problem(&resp, 400, "/problems/invalid-query");
    errors = json_object_get(problem, "errors");
    ck_assert_uint_eq(json_array_size(errors), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "parameter")),
                     "limit");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "parameter")),
                     "colour");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 2), "parameter")),
                     "region");
    json_decref(problem);
    http_client_response_free(&resp);
}
END_TEST

/* A cursor the service gave out, with one character changed, is refused
 * or is still a well-formed position: never a 500. */
START_TEST(test_tampered_cursor)
{
    struct http_response resp;
    json_t              *page = get_page(LIST_PATH "?limit=1", &resp);
    const char          *next = json_string_value(json_object_get(page, "next"));
    char                 tampered[128];
    char                *path;
    size_t               refused = 0, len;

    ck_assert_msg(next != NULL, "the database has fewer than two reports");
    len = strlen(next);
    ck_assert(len < sizeof(tampered));
    for (size_t i = 0; i < len; i++) {
        struct http_response answer;

        memcpy(tampered, next, len + 1);
        tampered[i] = tampered[i] == 'Q' ? 'R' : 'Q';
        ck_assert(asprintf(&path, LIST_PATH "?limit=1&cursor=%s", tampered) > 0);
        http_client_get(path, &answer);
        ck_assert_msg(answer.status == 400 || answer.status == 200, "%s answered %ld", path,
                      answer.status);
        refused += answer.status == 400;
        http_client_response_free(&answer);
        free(path);
    }
    ck_assert_msg(refused > len / 2, "only %zu of %zu edits refused", refused, len);
    /* Padded, it decodes to the same bytes, but it is not what was given out. */
    ck_assert(asprintf(&path, LIST_PATH "?limit=1&cursor=%s%%3D%%3D", next) > 0);
    {
        struct http_response padded;
        json_t              *problem;

        http_client_get(path, &padded);
        problem = http_client_assert_problem(&padded, 400, "/problems/invalid-query");
        json_decref(problem);
        http_client_response_free(&padded);
    }
    free(path);
    json_decref(page);
    http_client_response_free(&resp);
}
END_TEST

START_TEST(test_head_has_no_body)
{
    struct http_request  req = {.method = "HEAD", .path = LIST_PATH "?limit=1"};
    struct http_response resp;

    ck_assert_msg(http_client_perform(&req, &resp) == 0, "HEAD: %s", resp.error);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_uint_eq(resp.body_len, 0);
    http_client_assert_common(&resp);
    http_client_response_free(&resp);
}
END_TEST

/* ---- walking 1,000 reports ---------------------------------------------- */

static json_t *
walk_report(const char *station, const char *case_number)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "source", "police", "scam_type",
                     "other", "stage", "contact", "case_number", case_number, "station",
                     station, "urls", "https://walk.example/");
}

static void
post_walk_reports(const char *station, int first, int count, char (*ids)[40])
{
    for (int i = first; i < first + count; i++) {
        char    case_number[32];
        json_t *report, *receipt;

        snprintf(case_number, sizeof(case_number), "WALK-%d", i);
        report = walk_report(station, case_number);
        receipt = post_report(report);
        if (ids != NULL)
            snprintf(ids[i - first], 40, "%s", json_string_value(json_object_get(receipt, "id")));
        json_decref(receipt);
        json_decref(report);
    }
}

/* Every page is followed through its Link; between pages more reports of
 * the same station arrive. They are newer than the cursor, so the walk
 * returns exactly the first 1,000, each once, newest first. */
START_TEST(test_walk_all_pages)
{
    static char          new_ids[WALK_REPORTS / WALK_LIMIT * WALK_NEW_PER_PAGE][40];
    char                 station[64];
    char                *encoded, *path;
    const char          *params[1];
    PGresult            *order;
    struct timespec      started;
    double               walk_s = 0;
    int                  walked = 0, pages = 0, added = 0;

    unique_text(station, sizeof(station), "walk station");
    post_walk_reports(station, 0, WALK_REPORTS, NULL);
    params[0] = station;
    order = test_db_query("SELECT id FROM reports WHERE station = $1"
                          " ORDER BY reported_at DESC, id DESC", 1, params);
    ck_assert_int_eq(PQntuples(order), WALK_REPORTS);

    encoded = url_encode(station);
    ck_assert(asprintf(&path, LIST_PATH "?station=%s&limit=%d", encoded, WALK_LIMIT) > 0);
    while (path != NULL) {
        struct http_response resp;
        json_t              *page, *report;
        const char          *link, *next;
        size_t               i;

        clock_gettime(CLOCK_MONOTONIC, &started);
        page = get_page(path, &resp);
        walk_s += timestamp_seconds_since(&started);
        pages++;
        free(path);
        path = NULL;
        json_array_foreach(json_object_get(page, "items"), i, report) {
            const char *id = json_string_value(json_object_get(report, "id"));

            ck_assert_msg(walked < WALK_REPORTS, "the walk returns more than %d reports",
                          WALK_REPORTS);
            ck_assert_msg(strcmp(id, PQgetvalue(order, walked, 0)) == 0,
                          "report %d of the walk is %s, expected %s", walked, id,
                          PQgetvalue(order, walked, 0));
            walked++;
        }
        next = json_string_value(json_object_get(page, "next"));
        link = http_client_header(&resp, "Link");
        ck_assert_msg((next != NULL) == (link != NULL), "page %d: next and Link disagree", pages);
        if (link != NULL) {
            ck_assert_msg(link[0] == '<' && strstr(link, next) != NULL
                              && strstr(link, ">; rel=\"next\"") != NULL,
                          "page %d: Link '%s' does not carry next %s", pages, link, next);
            path = strndup(link + 1, (size_t)(strstr(link, ">; rel=") - link - 1));
            post_walk_reports(station, WALK_REPORTS + added, WALK_NEW_PER_PAGE, &new_ids[added]);
            added += WALK_NEW_PER_PAGE;
        }
        json_decref(page);
        http_client_response_free(&resp);
    }
    ck_assert_int_eq(walked, WALK_REPORTS);
    ck_assert_int_eq(pages, WALK_REPORTS / WALK_LIMIT);
    printf("http_list: walked %d reports in %d pages of %d in %.0f ms\n", walked, pages,
           WALK_LIMIT, walk_s * 1000);

    /* A new walk starts with the reports that arrived meanwhile. */
    ck_assert(asprintf(&path, LIST_PATH "?station=%s&limit=%d", encoded, added) > 0);
    {
        struct http_response resp;
        json_t              *page = get_page(path, &resp);

        ck_assert_uint_eq(json_array_size(json_object_get(page, "items")), (size_t)added);
        for (int i = 0; i < added; i++)
            ck_assert_str_eq(json_string_value(json_object_get(
                                 json_array_get(json_object_get(page, "items"), (size_t)i), "id")),
                             new_ids[added - 1 - i]);
        json_decref(page);
        http_client_response_free(&resp);
    }
    free(path);
    free(encoded);
    PQclear(order);
}
END_TEST

/* ---- seen before ---------------------------------------------------------- */

static long long
seen_count(const json_t *receipt, const char *map, const char *key)
{
    const json_t *seen = json_object_get(receipt, "seen_before");
    const json_t *counts = json_object_get(seen, map);

    ck_assert_msg(json_is_object(json_object_get(seen, "phones"))
                      && json_is_object(json_object_get(seen, "accounts"))
                      && json_is_object(json_object_get(seen, "urls")),
                  "seen_before lacks one of its three maps");
    ck_assert_msg(json_is_object(counts), "no seen_before.%s", map);
    return json_is_integer(json_object_get(counts, key))
               ? json_integer_value(json_object_get(counts, key)) : 0;
}

/* One number in three spellings, posted three times: the counts are 0
 * (absent), 1 and 2; a report naming it twice counts once. */
START_TEST(test_seen_before_counts)
{
    char                 digits[16], e164[24], forms[4][40], account[64], url[96];
    struct timespec      now;
    struct http_response resp;
    json_t              *receipt = NULL;
    char                *path;

    clock_gettime(CLOCK_REALTIME, &now);
    /* 139 and eight digits unique to this run. */
    snprintf(digits, sizeof(digits), "%08ld", (now.tv_nsec / 1000 + (long)getpid() * 7919L)
                                                  % 100000000L);
    snprintf(e164, sizeof(e164), "+86139%s", digits);
    snprintf(forms[0], sizeof(forms[0]), "+86 139 %.4s %.4s", digits, digits + 4);
    snprintf(forms[1], sizeof(forms[1]), "0086139%s", digits);
    snprintf(forms[2], sizeof(forms[2]), "139-%.4s-%.4s", digits, digits + 4);
    snprintf(forms[3], sizeof(forms[3]), "139 %s", digits);
    unique_text(account, sizeof(account), "seen account");
    snprintf(url, sizeof(url), "https://seen.example/%s%ld", digits, (long)getpid());

    for (int round = 0; round < 4; round++) {
        json_t *report = json_pack("{s:s, s:s, s:s, s:[s], s:[{s:s}], s:[s]}", "source", "public",
                                   "scam_type", "fake_customer_service", "stage", "contact",
                                   "phones", forms[round], "accounts", "value", account, "urls",
                                   url);

        /* The last report names the number twice: it still counts once. */
        if (round == 3)
            json_array_append_new(json_object_get(report, "phones"), json_string(forms[0]));
        json_decref(receipt);
        receipt = post_report(report);
        json_decref(report);
        ck_assert_msg(seen_count(receipt, "phones", e164) == round,
                      "POST %d (%s): %s seen %lld times, expected %d", round + 1, forms[round],
                      e164, seen_count(receipt, "phones", e164), round);
        ck_assert_int_eq(seen_count(receipt, "accounts", account), round);
        ck_assert_int_eq(seen_count(receipt, "urls", url), round);
        if (round == 0)
            ck_assert_msg(json_object_get(json_object_get(json_object_get(receipt, "seen_before"),
                                                          "phones"), e164) == NULL,
                          "a number nobody named is listed");
    }
    /* A public form learns that the number is known, not how often: 4 is
     * under k (TREND_K, 10). */
    {
        char                body[256];
        struct http_request req = {.method = "POST", .path = LIST_PATH,
                                   .key = http_client_key("public"),
                                   .content_type = "application/json", .body = body};
        json_t             *seen;

        snprintf(body, sizeof(body), "{\"source\": \"public\", \"scam_type\": \"other\","
                 " \"stage\": \"contact\", \"phones\": [\"%s\"]}", e164);
        req.body_len = strlen(body);
        ck_assert_int_eq(http_client_perform(&req, &resp), 0);
        ck_assert_int_eq(resp.status, 201);
        seen = http_client_json(&resp);
        ck_assert_msg(json_is_null(json_object_get(
                          json_object_get(json_object_get(seen, "seen_before"), "phones"), e164)),
                      "a public receipt shows a count under k: %s", resp.body);
        json_decref(seen);
        http_client_response_free(&resp);
    }
    /* Only the receipt: the report read back has no seen_before. */
    ck_assert(asprintf(&path, LIST_PATH "/%s",
                       json_string_value(json_object_get(receipt, "id"))) > 0);
    http_client_get(path, &resp);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_msg(strstr(resp.body, "seen_before") == NULL, "GET carries seen_before");
    http_client_response_free(&resp);
    free(path);
    json_decref(receipt);
}
END_TEST

Suite *
http_list_suite(void)
{
    Suite *suite = suite_create("http_list");
    TCase *filters = tcase_create("filters");
    TCase *errors = tcase_create("bad_queries");
    TCase *walk = tcase_create("walk");
    TCase *seen = tcase_create("seen_before");

    tcase_add_unchecked_fixture(filters, http_client_setup, http_client_teardown);
    tcase_set_timeout(filters, 60);
    tcase_add_test(filters, test_every_filter);
    tcase_add_test(filters, test_small_pages_keep_filter);
    suite_add_tcase(suite, filters);

    tcase_add_unchecked_fixture(errors, http_client_setup, http_client_teardown);
    tcase_set_timeout(errors, 30);
    tcase_add_loop_test(errors, test_bad_query, 0,
                        (int)(sizeof(bad_queries) / sizeof(bad_queries[0])));
    tcase_add_test(errors, test_several_bad_parameters_at_once);
    tcase_add_test(errors, test_tampered_cursor);
    tcase_add_test(errors, test_head_has_no_body);
    suite_add_tcase(suite, errors);

    tcase_add_unchecked_fixture(walk, http_client_setup, http_client_teardown);
    tcase_set_timeout(walk, 120);
    tcase_add_test(walk, test_walk_all_pages);
    suite_add_tcase(suite, walk);

    tcase_add_unchecked_fixture(seen, http_client_setup, http_client_teardown);
    tcase_set_timeout(seen, 30);
    tcase_add_test(seen, test_seen_before_counts);
    suite_add_tcase(suite, seen);
    return suite;
}
