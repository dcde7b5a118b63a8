/*
 * Every Check suite of the project, one per module (unit) or per resource
 * (black-box HTTP against a running service and a real PostgreSQL).
 */
#ifndef FRAUD_TEST_SUITES_H
#define FRAUD_TEST_SUITES_H

#include <check.h>

/* Unit suites: service/domain and service/http pieces, no database. */
Suite *phone_suite(void);
Suite *money_suite(void);
Suite *timestamp_suite(void);
Suite *report_suite(void);
Suite *violations_suite(void);
Suite *vocab_suite(void);
Suite *body_suite(void);
/* The numeric settings of the environment: defaults, bounds, bad values. */
Suite *config_suite(void);

/* Store suites: a real PostgreSQL at FRAUD_TEST_DATABASE_URL. */
Suite *migrate_suite(void);
/* The connection pool: callers served in the order they came. */
Suite *db_pool_suite(void);

/* Black-box suites: the service at FRAUD_TEST_BASE_URL. */
Suite *http_reports_suite(void);
Suite *http_errors_suite(void);
Suite *http_misc_suite(void);
/* Bulk import: POST /v1/reports:import. */
Suite *http_import_suite(void);
/* Idempotency-Key, and POST /v1/reports:batch. */
Suite *http_idempotency_suite(void);
Suite *http_batch_suite(void);
/* Police updates: PATCH /v1/reports/{id}, ETags and history. */
Suite *http_patch_suite(void);
/* Listing reports (GET /v1/reports) and seen-before counts on intake: the
 * query parameters, the plans of the list statements, the routes. */
Suite *report_filter_suite(void);
Suite *list_plans_suite(void);
Suite *http_list_suite(void);

/* API keys, organisations and rate limits: the key format and Bearer
 * parsing, token buckets (unit), and the orgs/keys subcommands (store). */
Suite *apikey_suite(void);
Suite *ratelimit_suite(void);
Suite *keys_suite(void);

/* Who may do what: keys, roles, scoping, audit, rate limits. */
Suite *http_auth_suite(void);

/* Trend rollups: the queue the triggers fill, trend_apply, and
 * fraud-intake demo-data. */
Suite *rollups_suite(void);

/* HTTPS (a second service with a throwaway certificate), and the table of
 * hostile requests under tests/data/hostile/. */
Suite *http_tls_suite(void);
Suite *http_hostile_suite(void);

/* Trend routes: query parameters, the pieces of a range and
 * k-suppression (unit), the routes (black-box), and their answers against
 * plain SQL over ~100,000 generated reports. */
Suite *trend_query_suite(void);
Suite *trend_pieces_suite(void);
Suite *trend_suppress_suite(void);
Suite *trend_cells_suite(void);
/* JSON strings written straight into an answer (unit). */
Suite *jsonstr_suite(void);
Suite *http_trends_suite(void);
Suite *trend_equivalence_suite(void);
#endif
