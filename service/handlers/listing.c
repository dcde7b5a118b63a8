/*
 * One handler body for every list that is read whole.
 */
#include "handlers/listing.h"

#include "app.h"
#include "handlers/failure.h"
#include "http/respond.h"

void
listing_respond(struct request *req, struct response *resp, listing_read read)
{
    struct app       *app = req->app;
    struct db_conn   *conn = db_acquire(app->db);
    json_t           *items = NULL;
    enum store_status status;

    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = read(conn, &items);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_json(resp, 200, json_pack("{s:o}", "items", items));
    items = NULL;
out:
    db_release(app->db, conn);
    json_decref(items);
}
