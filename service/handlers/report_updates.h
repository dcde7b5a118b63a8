/*
 * Police updates of a report and their history.
 */
#ifndef FRAUD_REPORT_UPDATES_H
#define FRAUD_REPORT_UPDATES_H

#include "http/server.h"

/* PATCH /v1/reports/{id}: application/merge-patch+json with If-Match. */
void report_updates_patch(struct request *req, struct response *resp);

/* GET /v1/reports/{id}/history */
void report_updates_history(struct request *req, struct response *resp);

#endif
