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

/* Store suites: a real PostgreSQL at FRAUD_TEST_DATABASE_URL. */
Suite *migrate_suite(void);

/* Black-box suites: the service at FRAUD_TEST_BASE_URL. */
Suite *http_reports_suite(void);
Suite *http_errors_suite(void);
Suite *http_misc_suite(void);

#endif
