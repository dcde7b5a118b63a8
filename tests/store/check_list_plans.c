/*
 * The plans PostgreSQL makes for the report list and the seen-before
 * counts, on a fresh database of 20,000 synthetic reports
 * (tests/data/list_plans/synthetic.sql) with real statistics: each common
 * filter is answered through its index, never by reading a whole table.
 * The statements and parameters are exactly what the store runs for a
 * filter built from query parameters, and the session starts from
 * plan_cache_mode = force_generic_plan, so the store's own SET LOCAL is
 * what makes the difference.
 */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/report_filter.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/reports_list_store.h"
#include "store/reports_store.h"
#include "store/statements.h"
#include "store/vocab_store.h"
#include "suites.h"
#include "testutil.h"

#define PLANS_DB          "fraud_list_plans"
#define PLANS_MIGRATIONS  6
#define CASE_PARAMS_MAX   4
/* Report g of synthetic.sql has this id, g in 12 digits. */
#define SYNTHETIC_ID(g)   "00000000-0000-4000-8000-" g

/* One filter, the index its plan must use, and how many reports match
 * (-1: not checked). A cursor, when set, starts after report g = 10000. */
struct plan_case {
    const char *label;
    const char *params[CASE_PARAMS_MAX][2];
    bool        cursor;
    const char *index;
    int         matches;
};

static const struct plan_case cases[] = {
    {"no filter", {{NULL, NULL}}, false, "reports_reported_at_idx", -1},
    {"scam_type", {{"scam_type", "romance"}}, false, "reports_scam_type_idx", 100},
    {"scam_type after a cursor", {{"scam_type", "romance"}}, true, "reports_scam_type_idx", 50},
    {"region prefecture prefix", {{"region", "4419"}}, false, "reports_region_idx", -1},
    {"region county", {{"region", "441302"}}, false, "reports_region_idx", -1},
    {"phone", {{"phone", "139-0000-0017"}}, false, "report_phones_e164_report_idx", 2},
    {"app", {{"app", "app 17"}}, false, "report_apps_name_idx", 40},
    {"account", {{"account", "account 18"}}, false, "report_accounts_value_report_idx", 4},
    {"station", {{"station", "Station 15"}}, false, "reports_station_idx", 50},
    {"station and status", {{"station", "Station 50"}, {"status", "closed"}}, false,
     "reports_station_idx", 50},
    {"status", {{"status", "closed"}}, false, "reports_status_idx", 400},
    {"source and status", {{"source", "police"}, {"status", "closed"}}, false,
     "reports_status_idx", 400},
    {"reported range",
     {{"reported_from", "2026-05-31T00:00:00Z"}, {"reported_to", "2026-05-31T01:00:00Z"}}, false,
     "reports_reported_at_idx", 60},
    {"occurred range",
     {{"occurred_from", "2026-05-20T00:00:00Z"}, {"occurred_to", "2026-05-20T01:00:00Z"}}, false,
     "reports_occurred_at_idx", -1},
    {"phone and scam_type", {{"phone", "+86 139 0000 0200"}, {"scam_type", "romance"}}, false,
     "report_phones_e164_report_idx", 2},
};

/* Tables that must never be read whole by these statements. */
static const char *const big_tables[] = {
    "reports", "report_phones", "report_apps", "report_accounts", "report_urls",
};

/* The database the TCase's unchecked fixture made, and its connection
 * string; each test (a forked child) opens its own connections. */
static char *plans_conninfo;

struct plans_db {
    PGconn         *pg;
    struct db      *pool;
    struct db_conn *conn;
    struct vocab   *vocab;
    bool            prepared[STMT_COUNT];
};

static void
exec_or_fail(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK
                      || PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%.80s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
}

static void
ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* A connection whose notices ("database ... does not exist, skipping")
 * stay out of the test output. */
static PGconn *
connect_or_fail(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);

    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(pg));
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    return pg;
}

/* Unchecked fixture: a fresh, migrated database with the synthetic
 * reports, made once for the TCase. */
static void
plans_db_create(void)
{
    PGconn *admin = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    PGconn *pg;
    char   *data = testutil_read_data("list_plans/synthetic.sql", NULL);

    exec_or_fail(admin, "DROP DATABASE IF EXISTS " PLANS_DB);
    exec_or_fail(admin, "CREATE DATABASE " PLANS_DB);
    ck_assert(asprintf(&plans_conninfo, "host=%s port=%s user=%s dbname=" PLANS_DB,
                       PQhost(admin), PQport(admin), PQuser(admin)) > 0);
    PQfinish(admin);
    ck_assert_int_ge(migrate_run(plans_conninfo, testutil_env("FRAUD_TEST_MIGRATIONS"), 0),
                     PLANS_MIGRATIONS);
    pg = connect_or_fail(plans_conninfo);
    exec_or_fail(pg, data);
    PQfinish(pg);
    free(data);
}

static void
plans_db_drop(void)
{
    PGconn *admin = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));

    exec_or_fail(admin, "DROP DATABASE IF EXISTS " PLANS_DB);
    PQfinish(admin);
    free(plans_conninfo);
    plans_conninfo = NULL;
}

/* A libpq connection for EXPLAIN, and the service's own pool and code
 * lists, on the fixture's database. */
static void
plans_db_open(struct plans_db *db)
{
    memset(db, 0, sizeof(*db));
    ck_assert_msg(plans_conninfo != NULL, "the fixture made no database");
    db->pg = connect_or_fail(plans_conninfo);
    db->pool = db_create(plans_conninfo, 1, 5000, 60000);
    ck_assert(db->pool != NULL);
    db->conn = db_acquire(db->pool);
    ck_assert_msg(db->conn != NULL, "the service's pool cannot open %s", PLANS_DB);
    ck_assert_int_eq(vocab_store_load(db->conn, &db->vocab), STORE_OK);
    /* The worst default for a catch-all statement: the store must not
     * depend on the session's setting. */
    exec_or_fail(db->pg, "SET plan_cache_mode = force_generic_plan");
}

static void
plans_db_close(struct plans_db *db)
{
    vocab_unref(db->vocab);
    db_release(db->pool, db->conn);
    db_destroy(db->pool);
    PQfinish(db->pg);
}

static void
prepare_once(struct plans_db *db, enum statement id)
{
    PGresult *res;

    if (db->prepared[id])
        return;
    res = PQprepare(db->pg, statements[id].name, statements[id].sql, statements[id].param_count,
                    NULL);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "prepare %s: %s", statements[id].name,
                  PQerrorMessage(db->pg));
    PQclear(res);
    db->prepared[id] = true;
}

/* EXPLAIN (FORMAT JSON) of statement `id` with these text parameters, run
 * as the store runs it: in a transaction after the statement that sets
 * its plan mode. Returns a new reference to the top "Plan" object's
 * document. */
static json_t *
explain(struct plans_db *db, enum statement id, const char *const *params)
{
    char     *sql = NULL;
    size_t    len = 0;
    FILE     *out = open_memstream(&sql, &len);
    PGresult *res;
    json_t   *plan;

    prepare_once(db, id);
    fprintf(out, "EXPLAIN (FORMAT JSON) EXECUTE %s(", statements[id].name);
    for (int i = 0; i < statements[id].param_count; i++) {
        char *literal = params[i] != NULL ? PQescapeLiteral(db->pg, params[i], strlen(params[i]))
                                          : NULL;

        fprintf(out, "%s%s", i > 0 ? ", " : "", literal != NULL ? literal : "NULL");
        PQfreemem(literal);
    }
    fputc(')', out);
    fclose(out);
    exec_or_fail(db->pg, "BEGIN");
    if (id != STMT_REPORT_SEEN_BEFORE)
        exec_or_fail(db->pg, statements[STMT_REPORT_LIST_CUSTOM_PLANS].sql);
    res = PQexec(db->pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db->pg));
    plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    ck_assert_msg(plan != NULL, "EXPLAIN output is not JSON");
    PQclear(res);
    exec_or_fail(db->pg, "ROLLBACK");
    free(sql);
    return plan;
}

/* Walks the plan tree: whether `index` is scanned by an index node, and
 * the first big table read by a sequential scan, if any. */
static void
walk(const json_t *node, const char *index, bool *uses_index, const char **seq_scanned)
{
    const char *type = json_string_value(json_object_get(node, "Node Type"));
    const char *index_name = json_string_value(json_object_get(node, "Index Name"));
    const char *relation = json_string_value(json_object_get(node, "Relation Name"));
    size_t      i;
    json_t     *child;

    if (type != NULL && index_name != NULL && index != NULL && strcmp(index_name, index) == 0
        && (strcmp(type, "Index Scan") == 0 || strcmp(type, "Index Only Scan") == 0
            || strcmp(type, "Bitmap Index Scan") == 0))
        *uses_index = true;
    if (type != NULL && relation != NULL && strcmp(type, "Seq Scan") == 0 && *seq_scanned == NULL)
        for (size_t t = 0; t < sizeof(big_tables) / sizeof(big_tables[0]); t++)
            if (strcmp(relation, big_tables[t]) == 0)
                *seq_scanned = big_tables[t];
    json_array_foreach(json_object_get(node, "Plans"), i, child)
        walk(child, index, uses_index, seq_scanned);
}

/* Fails unless the plan scans every index of `indexes` (NULL-terminated)
 * and reads no big table whole. */
static void
assert_plan(json_t *explained, const char *label, const char *const *indexes)
{
    const json_t *top = json_object_get(json_array_get(explained, 0), "Plan");
    char         *text = json_dumps(explained, JSON_COMPACT);

    ck_assert_msg(top != NULL, "%s: no plan", label);
    for (size_t i = 0; indexes[i] != NULL; i++) {
        bool        uses = false;
        const char *seq = NULL;

        walk(top, indexes[i], &uses, &seq);
        ck_assert_msg(uses, "%s: plan does not scan %s: %.3000s", label, indexes[i], text);
        ck_assert_msg(seq == NULL, "%s: plan reads all of %s: %.3000s", label, seq, text);
    }
    free(text);
}

static void
filter_for(struct plans_db *db, const struct plan_case *c, struct report_filter *filter)
{
    struct violations errs;
    char              cursor[REPORT_FILTER_CURSOR_MAX];

    report_filter_init(filter);
    violations_init(&errs);
    filter->limit = REPORT_FILTER_LIMIT_MAX;
    for (size_t i = 0; i < CASE_PARAMS_MAX && c->params[i][0] != NULL; i++)
        ck_assert_msg(report_filter_set(filter, db->vocab, c->params[i][0], c->params[i][1],
                                        &errs) == 0,
                      "%s: %s=%s refused", c->label, c->params[i][0], c->params[i][1]);
    if (c->cursor) {
        /* Report g = 10000 was reported 10000 minutes before 2026-06-01. */
        ck_assert_int_eq(report_filter_cursor_encode(1779672000000000LL,
                                                     SYNTHETIC_ID("000000010000"), cursor,
                                                     sizeof(cursor)), 0);
        ck_assert_int_eq(report_filter_set(filter, db->vocab, "cursor", cursor, &errs), 0);
    }
}

/* Walks every page of the filter through the store and counts reports. */
static int
count_through_store(struct plans_db *db, struct report_filter *filter)
{
    struct reports_list_page page;
    int                      total = 0;

    for (;;) {
        ck_assert_int_eq(reports_list_store_page(db->conn, filter, &page), STORE_OK);
        total += (int)json_array_size(page.items);
        json_decref(page.items);
        if (!page.more)
            return total;
        filter->has_cursor = true;
        filter->cursor_us = page.last_us;
        memcpy(filter->cursor_id, page.last_id, sizeof(filter->cursor_id));
    }
}

START_TEST(test_list_plans_use_indexes)
{
    struct plans_db db;

    plans_db_open(&db);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct plan_case  *c = &cases[i];
        const char *const        indexes[] = {c->index, NULL};
        struct report_filter     filter;
        struct reports_list_call call;
        json_t                  *explained;

        filter_for(&db, c, &filter);
        reports_list_store_call(&filter, &call);
        explained = explain(&db, call.statement, call.params);
        assert_plan(explained, c->label, indexes);
        json_decref(explained);
        if (c->matches >= 0)
            ck_assert_msg(count_through_store(&db, &filter) == c->matches,
                          "%s: expected %d reports", c->label, c->matches);
    }
    plans_db_close(&db);
}
END_TEST

START_TEST(test_seen_before_plan_and_counts)
{
    static const char *const indexes[] = {
        "report_phones_e164_report_idx", "report_accounts_value_report_idx",
        "report_urls_url_report_idx", NULL,
    };
    const char     *params[1] = {SYNTHETIC_ID("000000000020")};
    struct plans_db db;
    json_t         *explained, *receipt = json_object();
    json_t         *want = json_pack("{s:{s:i}, s:{s:i}, s:{s:i}}", "phones", "+8613900000020",
                                     1, "accounts", "account 20", 3, "urls",
                                     "https://pay.example/20", 19);
    char           *got;

    plans_db_open(&db);
    explained = explain(&db, STMT_REPORT_SEEN_BEFORE, params);
    assert_plan(explained, "seen_before", indexes);
    json_decref(explained);
    ck_assert_int_eq(reports_store_seen_before(db.conn, params[0], receipt), STORE_OK);
    got = json_dumps(json_object_get(receipt, "seen_before"), JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_msg(json_equal(json_object_get(receipt, "seen_before"), want),
                  "seen_before of report 20 is %s", got);
    free(got);
    json_decref(receipt);
    json_decref(want);
    plans_db_close(&db);
}
END_TEST

/* Reports stored at one instant are still split between pages by id: each
 * once, in (reported_at, id) order. */
START_TEST(test_pages_split_equal_times)
{
    struct plans_db          db;
    struct report_filter     filter;
    struct reports_list_page page;
    struct violations        errs;
    PGresult                *order;
    int                      walked = 0, pages = 0;

    plans_db_open(&db);
    exec_or_fail(db.pg, "INSERT INTO reports (source, scam_type, stage, case_number, station,"
                        " reported_at) SELECT 'police', 'other', 'contact', 'TIE-' || g,"
                        " 'Tie station', timestamptz '2026-07-01T00:00:00Z'"
                        " FROM generate_series(1, 450) AS g");
    order = PQexec(db.pg, "SELECT id FROM reports WHERE station = 'Tie station' ORDER BY id DESC");
    ck_assert_int_eq(PQntuples(order), 450);
    report_filter_init(&filter);
    violations_init(&errs);
    ck_assert_int_eq(report_filter_set(&filter, db.vocab, "station", "Tie station", &errs), 0);
    filter.limit = REPORT_FILTER_LIMIT_MAX;
    do {
        size_t  i;
        json_t *report;

        ck_assert_int_eq(reports_list_store_page(db.conn, &filter, &page), STORE_OK);
        pages++;
        json_array_foreach(page.items, i, report) {
            ck_assert_msg(walked < 450, "more than 450 reports");
            ck_assert_str_eq(json_string_value(json_object_get(report, "id")),
                             PQgetvalue(order, walked, 0));
            walked++;
        }
        json_decref(page.items);
        filter.has_cursor = true;
        filter.cursor_us = page.last_us;
        memcpy(filter.cursor_id, page.last_id, sizeof(filter.cursor_id));
    } while (page.more);
    ck_assert_int_eq(walked, 450);
    ck_assert_int_eq(pages, 3);
    exec_or_fail(db.pg, "DELETE FROM reports WHERE station = 'Tie station'");
    PQclear(order);
    plans_db_close(&db);
}
END_TEST

Suite *
list_plans_suite(void)
{
    Suite *suite = suite_create("list_plans");
    TCase *plans = tcase_create("plans");

    tcase_add_unchecked_fixture(plans, plans_db_create, plans_db_drop);
    tcase_set_timeout(plans, 60);
    tcase_add_test(plans, test_list_plans_use_indexes);
    tcase_add_test(plans, test_seen_before_plan_and_counts);
    tcase_add_test(plans, test_pages_split_equal_times);
    suite_add_tcase(suite, plans);
    return suite;
}
