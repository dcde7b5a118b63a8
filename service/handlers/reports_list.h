/*
 * GET /v1/reports: reports newest first, filtered, a page at a time.
 */
#ifndef FRAUD_REPORTS_LIST_H
#define FRAUD_REPORTS_LIST_H

#include "http/server.h"

/* GET /v1/reports */
void reports_list(struct request *req, struct response *resp);

#endif
