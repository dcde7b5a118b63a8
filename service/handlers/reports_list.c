/*
 * The report list: query parameters into a filter, one page from the
 * store, and where the next page starts, both in the body ("next") and
 * as a Link header that keeps the caller's other parameters.
 */
#include "handlers/reports_list.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "domain/report.h"
#include "domain/report_filter.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "http/respond.h"
#include "store/reports_list_store.h"

struct query {
    struct report_filter *filter;
    const struct vocab   *vocab;
    struct violations    *errs;
};

static enum MHD_Result
take_parameter(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    struct query *query = cls;

    (void)kind;
    report_filter_set(query->filter, query->vocab, name, value, query->errs);
    return MHD_YES;
}

static int
read_query(struct request *req, const struct vocab *vocab, struct report_filter *filter,
           struct violations *errs)
{
    struct query query = {filter, vocab, errs};

    report_filter_init(filter);
    violations_init(errs);
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, take_parameter, &query);
    return errs->count + errs->dropped == 0 ? 0 : -1;
}

/* Reads the query against the current code lists; when a code is unknown,
 * once more against freshly loaded lists, in case a code was just added. */
static int
parse_query(struct request *req, struct report_filter *filter, struct violations *errs)
{
    struct app   *app = req->app;
    struct vocab *vocab = app_vocab(app);
    int           rc = read_query(req, vocab, filter, errs);

    if (rc != 0 && report_unknown_codes(errs)) {
        struct db_conn *conn = db_acquire(app->db);
        struct vocab   *fresh = conn != NULL ? app_vocab_refresh(app, conn) : NULL;

        db_release(app->db, conn);
        if (fresh != NULL) {
            rc = read_query(req, fresh, filter, errs);
            vocab_unref(fresh);
        }
    }
    vocab_unref(vocab);
    return rc;
}

/* RFC 3986: unreserved characters as they are, every other byte as %XX. */
static void
put_encoded(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
            || *p == '-' || *p == '.' || *p == '_' || *p == '~')
            fputc(*p, out);
        else
            fprintf(out, "%%%02X", *p);
    }
}

static enum MHD_Result
put_parameter(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    FILE *out = cls;

    (void)kind;
    if (strcmp(name, "cursor") == 0)
        return MHD_YES;
    put_encoded(out, name);
    fputc('=', out);
    put_encoded(out, value != NULL ? value : "");
    fputc('&', out);
    return MHD_YES;
}

/* The Link field of the next page: this request's parameters, in their
 * order, with the new cursor. Returns a new string, or NULL when out of
 * memory. */
static char *
next_link(struct request *req, const char *cursor)
{
    char  *text = NULL;
    size_t len = 0;
    FILE  *out = open_memstream(&text, &len);

    if (out == NULL)
        return NULL;
    fputs("</v1/reports?", out);
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, put_parameter, out);
    fprintf(out, "cursor=%s>; rel=\"next\"", cursor);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void
reports_list(struct request *req, struct response *resp)
{
    struct app              *app = req->app;
    struct report_filter     filter;
    struct violations        errs;
    struct reports_list_page page = {0};
    struct db_conn          *conn = NULL;
    char                     next[REPORT_FILTER_CURSOR_MAX] = "";
    json_t                  *body = NULL;
    char                    *link = NULL;
    enum store_status        status;

    if (parse_query(req, &filter, &errs) != 0) {
        respond_invalid_query(resp, req, &errs);
        goto out;
    }
    /* Police list their own organisation's reports; analysts every one. */
    filter.organisation = access_scope(req);
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = reports_list_store_page(conn, &filter, &page);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    if (page.more && report_filter_cursor_encode(page.last_us, page.last_id, next,
                                                 sizeof(next)) != 0)
        goto out;
    body = json_pack("{s:O, s:s?}", "items", page.items, "next", page.more ? next : NULL);
    if (body == NULL || (page.more && (link = next_link(req, next)) == NULL))
        goto out;
    resp->link = link;
    link = NULL;
    respond_json(resp, 200, body);
    body = NULL;
out:
    db_release(app->db, conn);
    json_decref(page.items);
    json_decref(body);
    free(link);
}
