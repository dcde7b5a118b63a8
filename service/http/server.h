/*
 * The HTTP edge: libmicrohttpd set-up, request bodies, routing by a table
 * the caller supplies, and one log line per request. It knows nothing of
 * reports or the database.
 */
#ifndef FRAUD_SERVER_H
#define FRAUD_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;

/* What a handler sees of a request. Everything is borrowed and valid only
 * while the handler runs. */
struct request {
    struct MHD_Connection *connection;
    const char            *method;
    const char            *path;
    /* The {id} segment of a "/v1/reports/{id}" route, else "". */
    char                   param[80];
    const char            *body;
    size_t                 body_len;
    char                   request_id[17];
    void                  *app;
};

/* What a handler answers. The server presets a 500 problem; a handler
 * replaces it, and the server sends whatever is here when it returns. */
struct response {
    unsigned    status;
    json_t     *body;           /* owned by the response; NULL for none */
    const char *content_type;   /* static string */
    char        location[128];
    unsigned    retry_after_s;  /* 0: no Retry-After */
    const char *allow;          /* static string, for 405 */
};

typedef void (*route_handler)(struct request *req, struct response *resp);

/* One route: a method and a path; a path ending in "/{id}" matches one
 * non-empty segment there. Routes with a body expect application/json. */
struct route {
    const char   *method;
    const char   *path;
    route_handler handler;
    bool          has_body;
};

struct server_config {
    const char *listen_addr;
    unsigned    port;
    unsigned    threads;
    size_t      body_max;
    unsigned    connection_timeout_s;
    unsigned    connection_limit;
    size_t      connection_memory;
};

struct server;

/* Starts serving. Borrows cfg for the call only; borrows routes and app
 * until server_stop. Returns NULL (after logging why) on failure. */
struct server *server_start(const struct server_config *cfg, const struct route *routes,
                            size_t route_count, void *app);

/* Stops accepting, finishes requests in flight, frees the server. */
void server_stop(struct server *server);

#endif
