/*
 * Every route of the API and the roles it admits; api/openapi.yaml
 * describes the same list. Police see and change only their own
 * organisation's reports (the handlers scope every read); analysts read
 * all of them, never victim details; admins manage keys and read the
 * audit trail; public forms submit and read back by receipt token.
 */
#include "handlers/routes.h"

#include "domain/role.h"
#include "handlers/audit.h"
#include "handlers/health.h"
#include "handlers/indicators.h"
#include "handlers/keys.h"
#include "handlers/organisations.h"
#include "handlers/report_batches.h"
#include "handlers/report_imports.h"
#include "handlers/report_updates.h"
#include "handlers/reports.h"
#include "handlers/reports_list.h"
#include "handlers/trends.h"
#include "handlers/vocabularies.h"

const struct route routes[] = {
    {.method = "POST", .path = "/v1/reports", .handler = reports_create, .has_body = true,
     .roles = ROLE_PUBLIC | ROLE_POLICE | ROLE_ANONYMOUS},
    {.method = "GET", .path = "/v1/reports", .handler = reports_list,
     .roles = ROLE_POLICE | ROLE_ANALYST},
    /* Up to REPORT_BATCHES_ITEMS_MAX reports in one body, so a larger cap. */
    {.method = "POST", .path = "/v1/reports:batch", .handler = report_batches_create,
     .has_body = true, .body_max = REPORT_BATCHES_BODY_MAX, .roles = ROLE_PUBLIC | ROLE_POLICE},
    {.method = "GET", .path = "/v1/reports/{id}", .handler = reports_get,
     .roles = ROLE_POLICE | ROLE_ANALYST},
    /* Police updates (JSON Merge Patch, If-Match) and their history. */
    {.method = "PATCH", .path = "/v1/reports/{id}", .handler = report_updates_patch,
     .has_body = true, .media_type = "application/merge-patch+json", .roles = ROLE_POLICE},
    {.method = "GET", .path = "/v1/reports/{id}/history", .handler = report_updates_history,
     .roles = ROLE_POLICE},
    /* Bulk import from a station's case system: the body is streamed,
     * never held whole. */
    {.method = "POST", .path = "/v1/reports:import", .stream = &report_imports_stream,
     .roles = ROLE_POLICE},
    /* The receipt token is itself the credential for its one report. */
    {.method = "GET", .path = "/v1/receipts/{id}", .handler = reports_by_receipt,
     .roles = ROLE_ANY | ROLE_ANONYMOUS},
    {.method = "GET", .path = "/v1/vocabularies", .handler = vocabularies_list,
     .roles = ROLE_ANY | ROLE_ANONYMOUS},
    /* Trends and indicator lookups: every role; small counts are hidden
     * from all but analysts and police (handlers/trends.c). */
    {.method = "GET", .path = "/v1/trends/series", .handler = trends_series, .roles = ROLE_ANY},
    {.method = "GET", .path = "/v1/trends/top", .handler = trends_top, .roles = ROLE_ANY},
    {.method = "GET", .path = "/v1/trends/funnel", .handler = trends_funnel, .roles = ROLE_ANY},
    {.method = "GET", .path = "/v1/trends/summary", .handler = trends_summary, .roles = ROLE_ANY},
    {.method = "GET", .path = "/v1/indicators/lookup", .handler = indicators_lookup,
     .roles = ROLE_ANY},
    /* Administration. */
    {.method = "POST", .path = "/v1/organisations", .handler = organisations_create,
     .has_body = true, .roles = ROLE_ADMIN},
    {.method = "GET", .path = "/v1/organisations", .handler = organisations_list,
     .roles = ROLE_ADMIN},
    {.method = "POST", .path = "/v1/keys", .handler = keys_create, .has_body = true,
     .roles = ROLE_ADMIN},
    {.method = "GET", .path = "/v1/keys", .handler = keys_list, .roles = ROLE_ADMIN},
    {.method = "DELETE", .path = "/v1/keys/{id}", .handler = keys_revoke, .roles = ROLE_ADMIN},
    {.method = "GET", .path = "/v1/audit", .handler = audit_list, .roles = ROLE_ADMIN},
    /* Open to anyone: load balancers and orchestrators hold no keys. */
    {.method = "GET", .path = "/healthz", .handler = health_live},
    {.method = "GET", .path = "/readyz", .handler = health_ready},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
