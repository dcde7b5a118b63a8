/*
 * What the caller admitted by the admission hook may see and do, as the
 * handlers ask it: whose reports, whether victim details, which names go
 * into history, idempotency scopes and audit rows.
 */
#ifndef FRAUD_ACCESS_H
#define FRAUD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/report.h"
#include "domain/violations.h"
#include "http/server.h"
#include "store/audit_store.h"

/* The organisation whose reports the caller may read and update (a UUID
 * borrowed from req), or NULL when it may read every report (analysts).
 * Police see only their own organisation's. */
const char *access_scope(const struct request *req);

/* The organisation a report submitted by the caller belongs to (borrowed
 * from req), or NULL for an anonymous caller. */
const char *access_owner(const struct request *req);

/* Whether the caller may see the victim's name and contact of reports
 * of its scope: police only. */
bool access_sees_victims(const struct request *req);

/* Who the caller is in a report's history and in an Idempotency-Key's
 * scope: "key:<prefix>", or "address:<client>" without a key. Writes into
 * out (size bytes). */
void access_actor_name(const struct request *req, char *out, size_t size);

/* Whether counts shown to the caller are k-suppressed: callers with
 * neither the analyst nor the police role (public keys, anonymous). */
bool access_counts_suppressed(const struct request *req);

/* Fills *actor for an audit row of this request; borrows from req. */
void access_audit_actor(const struct request *req, struct audit_actor *actor);

/* Refuses a report whose source the caller's role may not send: a public
 * key (or an anonymous caller) submits as `public` or `victim`, never as
 * `police`. Adds a not_allowed violation at `<pointer_prefix>/source` to
 * errs and returns -1; 0 when allowed. Borrows everything. */
int access_check_source(const struct request *req, const struct report *report,
                        const char *pointer_prefix, struct violations *errs);

#endif
