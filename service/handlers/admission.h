/*
 * Admission: who is calling, whether their role may use the route, and
 * whether their rate limit allows one more request. It runs as the HTTP
 * edge's admission hook, before any of a body is read.
 */
#ifndef FRAUD_ADMISSION_H
#define FRAUD_ADMISSION_H

#include <stdbool.h>

#include "http/server.h"

/* The server_admit hook (see http/server.h). Uses req->app (struct app).
 * Answers, when it refuses:
 *   401 no key, a malformed one, an unknown or revoked one (with
 *       WWW-Authenticate); anonymous callers are let in as public only on
 *       routes that take them, when ANONYMOUS_SUBMISSIONS is on;
 *   403 a valid key whose role the route does not admit;
 *   429 the key's bucket (or the address's, without a valid key) is
 *       empty, with Retry-After;
 *   503 the database cannot be asked about the key.
 * Every answer after admission carries RateLimit-Policy and RateLimit. */
bool admission_admit(struct request *req, const struct route *route, struct response *resp);

#endif
