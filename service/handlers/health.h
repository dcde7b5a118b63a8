/*
 * Liveness and readiness probes.
 */
#ifndef FRAUD_HEALTH_H
#define FRAUD_HEALTH_H

#include "http/server.h"

/* GET /healthz: the process answers; never touches the database. */
void health_live(struct request *req, struct response *resp);

/* GET /readyz: the database answers and every migration is applied. */
void health_ready(struct request *req, struct response *resp);

#endif
