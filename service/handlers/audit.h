/*
 * /v1/audit: the audit trail, newest first, for admins.
 */
#ifndef FRAUD_AUDIT_H
#define FRAUD_AUDIT_H

#include "http/server.h"

/* GET /v1/audit?action&key_prefix&organisation_id&report_id&from&to&limit&cursor */
void audit_list(struct request *req, struct response *resp);

#endif
