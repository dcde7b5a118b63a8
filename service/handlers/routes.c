/*
 * Every route of the API; api/openapi.yaml describes the same list.
 */
#include "handlers/routes.h"

#include "handlers/health.h"
#include "handlers/report_batches.h"
#include "handlers/report_imports.h"
#include "handlers/report_updates.h"
#include "handlers/reports.h"
#include "handlers/reports_list.h"
#include "handlers/vocabularies.h"

const struct route routes[] = {
    {.method = "POST", .path = "/v1/reports", .handler = reports_create, .has_body = true},
    {.method = "GET", .path = "/v1/reports", .handler = reports_list},
    /* Up to REPORT_BATCHES_ITEMS_MAX reports in one body, so a larger cap. */
    {.method = "POST", .path = "/v1/reports:batch", .handler = report_batches_create,
     .has_body = true, .body_max = REPORT_BATCHES_BODY_MAX},
    {.method = "GET", .path = "/v1/reports/{id}", .handler = reports_get},
    /* Police updates (JSON Merge Patch, If-Match) and their history. */
    {.method = "PATCH", .path = "/v1/reports/{id}", .handler = report_updates_patch,
     .has_body = true, .media_type = "application/merge-patch+json"},
    {.method = "GET", .path = "/v1/reports/{id}/history", .handler = report_updates_history},
    /* Bulk import: the body is streamed, never held whole. */
    {.method = "POST", .path = "/v1/reports:import", .stream = &report_imports_stream},
    {.method = "GET", .path = "/v1/vocabularies", .handler = vocabularies_list},
    {.method = "GET", .path = "/healthz", .handler = health_live},
    {.method = "GET", .path = "/readyz", .handler = health_ready},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
