/*
 * POST /v1/reports:batch: many reports in one request, answered item by
 * item (207), or all or nothing with ?atomic=true.
 */
#ifndef FRAUD_REPORT_BATCHES_H
#define FRAUD_REPORT_BATCHES_H

#include "http/server.h"

/* Most reports one batch may carry; more is refused whole (422). */
#define REPORT_BATCHES_ITEMS_MAX 1000
/* The body cap of the batch route: 1,000 reports of a few KiB each. */
#define REPORT_BATCHES_BODY_MAX  ((size_t)4 * 1024 * 1024)

/* POST /v1/reports:batch */
void report_batches_create(struct request *req, struct response *resp);

#endif
