/*
 * /v1/keys: API keys, for admins. A key is shown once, in the answer that
 * creates it; only its prefix and hash are kept.
 */
#ifndef FRAUD_KEYS_H
#define FRAUD_KEYS_H

#include "http/server.h"

/* POST /v1/keys {"organisation": name, "role"}: 201 with "key" shown
 * once; 422 for an unknown organisation or role. Audited. */
void keys_create(struct request *req, struct response *resp);

/* GET /v1/keys: every key, without secrets. */
void keys_list(struct request *req, struct response *resp);

/* DELETE /v1/keys/{prefix}: revokes the key from the next request on;
 * revoking again keeps the first time. 404 for an unknown prefix.
 * Audited. */
void keys_revoke(struct request *req, struct response *resp);

#endif
