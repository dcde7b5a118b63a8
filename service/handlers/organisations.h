/*
 * /v1/organisations: the police stations, public forms, analysis units
 * and administrations that keys belong to. Admin only.
 */
#ifndef FRAUD_ORGANISATIONS_H
#define FRAUD_ORGANISATIONS_H

#include "http/server.h"

/* POST /v1/organisations {"name", "kind"}: 201, 409 when the name is
 * taken, 422 for an unknown kind or a bad name. Audited. */
void organisations_create(struct request *req, struct response *resp);

/* GET /v1/organisations */
void organisations_list(struct request *req, struct response *resp);

#endif
