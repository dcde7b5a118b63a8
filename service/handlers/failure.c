/*
 * Store failures as problem details. No database text ever reaches a
 * body: the log line with the same request id has what an operator needs.
 */
#include "handlers/failure.h"

#include "http/respond.h"

void
failure_respond(struct response *resp, const struct request *req, enum store_status status)
{
    switch (status) {
    case STORE_UNAVAILABLE:
        respond_unavailable(resp, req);
        break;
    case STORE_TIMEOUT:
        respond_problem(resp, req, 503, "timeout", "The query took too long",
                        "The database did not answer within the service's time limit; ask for"
                        " less (a shorter range, fewer filters), or a range of whole days,"
                        " which the rollups answer");
        break;
    case STORE_NOT_FOUND:
        respond_problem(resp, req, 404, "not-found", "Not found", "There is no such report");
        break;
    case STORE_OK:
    case STORE_FAILED:
        respond_problem(resp, req, 500, "internal", "Internal error",
                        "The request could not be completed; quote request_id %s",
                        req->request_id);
        break;
    }
}
