/*
 * The code lists as forms and dashboards need them to build their menus.
 */
#include "handlers/vocabularies.h"

#include "app.h"
#include "handlers/failure.h"
#include "http/respond.h"
#include "store/vocab_store.h"

void
vocabularies_list(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct db_conn   *conn = db_acquire(app->db);
    json_t           *labels = NULL;
    enum store_status status = STORE_UNAVAILABLE;

    if (conn != NULL)
        status = vocab_store_labels(conn, &labels);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_json(resp, 200, labels);
    labels = NULL;
out:
    db_release(app->db, conn);
    json_decref(labels);
}
