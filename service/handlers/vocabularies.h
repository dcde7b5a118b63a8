/*
 * /v1/vocabularies: the code lists with their Chinese and English labels.
 */
#ifndef FRAUD_VOCABULARIES_H
#define FRAUD_VOCABULARIES_H

#include "http/server.h"

/* GET /v1/vocabularies */
void vocabularies_list(struct request *req, struct response *resp);

#endif
