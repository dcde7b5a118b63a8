/*
 * Every route of the API; api/openapi.yaml describes the same list.
 */
#include "handlers/routes.h"

#include "handlers/health.h"
#include "handlers/reports.h"
#include "handlers/vocabularies.h"

const struct route routes[] = {
    {"POST", "/v1/reports", reports_create, true},
    {"GET", "/v1/reports/{id}", reports_get, false},
    {"GET", "/v1/vocabularies", vocabularies_list, false},
    {"GET", "/healthz", health_live, false},
    {"GET", "/readyz", health_ready, false},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
