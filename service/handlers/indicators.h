/*
 * GET /v1/indicators/lookup: is this phone number, account or URL known,
 * and what do the reports naming it say, JSON or CSV.
 */
#ifndef FRAUD_INDICATORS_H
#define FRAUD_INDICATORS_H

#include "http/server.h"

void indicators_lookup(struct request *req, struct response *resp);

#endif
