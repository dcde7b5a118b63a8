/*
 * /v1/reports: submitting a report and reading it back.
 */
#ifndef FRAUD_REPORTS_H
#define FRAUD_REPORTS_H

#include "http/server.h"

/* POST /v1/reports */
void reports_create(struct request *req, struct response *resp);

/* GET /v1/reports/{id} */
void reports_get(struct request *req, struct response *resp);

#endif
