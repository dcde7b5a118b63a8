/*
 * /v1/reports:import: many reports in one upload of newline-delimited
 * JSON, one report per line, streamed through validation into the store.
 */
#ifndef FRAUD_REPORT_IMPORTS_H
#define FRAUD_REPORT_IMPORTS_H

#include "http/server.h"

/* At most this many rejected lines are described in the answer; the rest
 * are only counted. */
#define REPORT_IMPORTS_ERRORS_MAX 100

/* POST /v1/reports:import, as a streamed route. */
extern const struct route_stream report_imports_stream;

#endif
