/*
 * The caller's powers, read from the principal the admission hook set.
 */
#include "handlers/access.h"

#include <stdio.h>
#include <string.h>

#include "domain/role.h"

const char *
access_scope(const struct request *req)
{
    return req->who.role == ROLE_POLICE ? req->who.organisation_id : NULL;
}

const char *
access_owner(const struct request *req)
{
    return req->who.organisation_id[0] != '\0' ? req->who.organisation_id : NULL;
}

bool
access_sees_victims(const struct request *req)
{
    return req->who.role == ROLE_POLICE && req->who.organisation_id[0] != '\0';
}

bool
access_counts_suppressed(const struct request *req)
{
    return (req->who.role & (ROLE_ANALYST | ROLE_POLICE)) == 0;
}

void
access_actor_name(const struct request *req, char *out, size_t size)
{
    if (req->who.key_prefix[0] != '\0')
        snprintf(out, size, "key:%s", req->who.key_prefix);
    else
        snprintf(out, size, "address:%s", req->client);
}

void
access_audit_actor(const struct request *req, struct audit_actor *actor)
{
    *actor = (struct audit_actor){
        .request_id = req->request_id,
        .key_prefix = req->who.key_prefix[0] != '\0' ? req->who.key_prefix : NULL,
        .organisation_id = access_owner(req),
        .role = req->who.role != 0 ? role_code(req->who.role) : NULL,
        .method = req->method,
        .route = req->route,
    };
}

int
access_check_source(const struct request *req, const struct report *report,
                    const char *pointer_prefix, struct violations *errs)
{
    char pointer[64];

    if (req->who.role == ROLE_POLICE || strcmp(report->source, "police") != 0)
        return 0;
    snprintf(pointer, sizeof(pointer), "%s/source", pointer_prefix);
    violations_add(errs, pointer, "not_allowed",
                   "only a police key submits reports with source police");
    return -1;
}
