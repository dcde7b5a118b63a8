/*
 * Probes for orchestrators: liveness must not depend on the database, or a
 * database outage would get every healthy instance restarted.
 */
#include "handlers/health.h"

#include "app.h"
#include "handlers/failure.h"
#include "http/respond.h"
#include "store/health_store.h"

void
health_live(struct request *req, struct response *resp)
{
    (void)req;
    respond_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

void
health_ready(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct db_conn   *conn = db_acquire(app->db);
    enum store_status status = STORE_UNAVAILABLE;
    int               applied = 0;

    if (conn != NULL)
        status = health_store_migrations(conn, &applied);
    if (status != STORE_OK) {
        failure_respond(resp, req, status == STORE_FAILED ? STORE_UNAVAILABLE : status);
        goto out;
    }
    if (applied < app->migrations_expected) {
        respond_problem(resp, req, 503, "unavailable", "Not ready",
                        "%d of %d migrations are applied", applied, app->migrations_expected);
        resp->retry_after_s = 1;
        goto out;
    }
    respond_json(resp, 200, json_pack("{s:s, s:i}", "status", "ready", "migrations", applied));
out:
    db_release(app->db, conn);
}
