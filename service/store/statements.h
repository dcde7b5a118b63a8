/*
 * Every SQL statement the service runs while serving, by name. Each is
 * prepared once per connection; input only ever travels as parameters.
 */
#ifndef FRAUD_STATEMENTS_H
#define FRAUD_STATEMENTS_H

#include "domain/trend_query.h"

/* The most rollup rows STMT_TRENDS_SERIES_ROWS answers a series with (it
 * answers one more when there are more): four per cell of the largest
 * table the series route gives (TREND_QUERY_CELLS_MAX). */
#define TREND_SERIES_ROWS_MAX (4 * TREND_QUERY_CELLS_MAX)

/* The advisory lock held while the rollups' indexes are rebuilt. */
#define ROLLUPS_LOCK_KEY 7465726

enum statement {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_REPORT_INSERT,
    STMT_REPORT_GET,
    STMT_REPORT_VICTIM,
    STMT_REPORT_BY_RECEIPT,
    STMT_VOCAB_CODES,
    STMT_VOCAB_JSON,
    STMT_MIGRATIONS_APPLIED,
    /* Bulk import (POST /v1/reports:import). */
    STMT_IMPORT_START,
    STMT_IMPORT_MOVE,
    /* Idempotency keys (Idempotency-Key on POST /v1/reports and :batch). */
    STMT_IDEMPOTENCY_HASH,
    STMT_IDEMPOTENCY_CLAIM,
    STMT_IDEMPOTENCY_TAKE_OVER,
    STMT_IDEMPOTENCY_LOOKUP,
    STMT_IDEMPOTENCY_FINISH,
    STMT_IDEMPOTENCY_RELEASE,
    STMT_IDEMPOTENCY_PURGE,
    /* Police updates and their history (PATCH /v1/reports/{id}). */
    STMT_REPORT_UPDATES_LOCK,
    STMT_REPORT_UPDATES_UNKNOWN,
    STMT_REPORT_UPDATES_APPLY,
    STMT_REPORT_UPDATES_RECORD,
    STMT_REPORT_UPDATES_HISTORY,
    /* Listing reports (GET /v1/reports) and seen-before counts on intake. */
    STMT_REPORT_LIST_CUSTOM_PLANS,
    STMT_REPORT_LIST,
    STMT_REPORT_LIST_BY_PHONE,
    STMT_REPORT_LIST_BY_ACCOUNT,
    STMT_REPORT_LIST_BY_APP,
    STMT_REPORT_SEEN_BEFORE,
    /* Organisations and API keys (fraud-intake orgs|keys, key lookup). */
    STMT_KEYS_ORG_CREATE,
    STMT_KEYS_ORG_LIST,
    STMT_KEYS_CREATE,
    STMT_KEYS_LIST,
    STMT_KEYS_REVOKE,
    STMT_KEYS_LOOKUP,
    /* The audit trail. */
    STMT_AUDIT_ADD,
    STMT_AUDIT_LIST,
    /* Trends foundation: fraud-intake demo-data reads the prefectures. */
    STMT_DEMO_PREFECTURES,
    /* Trends (GET /v1/trends/..., GET /v1/indicators/lookup): per route, a
     * statement for each source that can answer it. */
    STMT_TRENDS_SETTINGS,
    STMT_TRENDS_ZONES,
    STMT_TRENDS_SERIES_ROWS,
    STMT_TRENDS_SERIES_DAILY,
    STMT_TRENDS_SERIES_HOURLY,
    STMT_TRENDS_SERIES_BASE,
    STMT_TRENDS_TOP_PRUNED,
    STMT_TRENDS_TOP_DAILY,
    STMT_TRENDS_TOP_REGIONS_DAILY,
    STMT_TRENDS_TOP_BASE,
    STMT_TRENDS_FUNNEL_DAILY,
    STMT_TRENDS_FUNNEL_HOURLY,
    STMT_TRENDS_FUNNEL_BASE,
    STMT_TRENDS_SUMMARY_DAILY,
    STMT_TRENDS_SUMMARY_HOURLY,
    STMT_TRENDS_SUMMARY_BASE,
    STMT_TRENDS_LOOKUP,
    /* Trend rollups: the worker applies pending contributions (0013). */
    STMT_TREND_APPLY,
    STMT_TREND_PENDING,
    /* Upkeep of the rollups' indexes (janitor.c). */
    STMT_ROLLUPS_LOCK,
    STMT_ROLLUPS_UNLOCK,
    STMT_ROLLUPS_INDEXES,
    STMT_ROLLUPS_INDEX_SIZE,
    STMT_ROLLUPS_ANALYZE,
    STMT_COUNT
};

struct statement_def {
    const char *name;
    const char *sql;
    int         param_count;
};

/* The table, indexed by enum statement. */
extern const struct statement_def statements[STMT_COUNT];

/* Bulk import: the COPY that feeds the staging table. COPY cannot be
 * prepared, so it is run as this constant text (it has no parameters). */
extern const char statements_import_copy_sql[];

#endif
