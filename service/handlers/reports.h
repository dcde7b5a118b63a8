/*
 * /v1/reports: submitting a report and reading it back, by id or by the
 * receipt token its submitter was given.
 */
#ifndef FRAUD_REPORTS_H
#define FRAUD_REPORTS_H

#include "http/server.h"

/* POST /v1/reports */
void reports_create(struct request *req, struct response *resp);

/* GET /v1/reports/{id}: of the caller's scope; victim details for
 * police of the report's organisation, audited. */
void reports_get(struct request *req, struct response *resp);

/* GET /v1/receipts/{token}: the report a receipt token was given for,
 * never with victim details. */
void reports_by_receipt(struct request *req, struct response *resp);

#endif
