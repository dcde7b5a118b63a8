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

/* Who is calling, as the admission hook (server_config.admit) found out.
 * `role` is one bit of the set the hook and the route table share; 0 until
 * admitted, and for routes open to anyone. */
struct principal {
    unsigned role;
    /* No credentials were presented (an anonymous public submission). */
    bool     anonymous;
    /* The key's public prefix, "" when anonymous: safe to log. */
    char     key_prefix[12];
    /* The key's organisation as a UUID, "" when anonymous. */
    char     organisation_id[37];
};

/* What a handler sees of a request. Everything is borrowed and valid only
 * while the handler runs. */
struct request {
    struct MHD_Connection *connection;
    const char            *method;
    const char            *path;
    /* The path pattern of the route matched ("/v1/reports/{id}"), "" when
     * none: safe to log and to record, unlike the path. */
    const char            *route;
    /* The {id} segment of a "/v1/reports/{id}..." route, else "". */
    char                   param[80];
    const char            *body;
    size_t                 body_len;
    char                   request_id[17];
    /* The caller's address ("127.0.0.1", "::1"), "" when unknown: what
     * scopes an Idempotency-Key until callers authenticate. */
    char                   client[64];
    struct principal       who;
    void                  *app;
};

/* Extra response header fields a response may carry, beyond those it has
 * members for. */
#define RESPONSE_HEADERS_MAX 4

struct response_header {
    const char *name;       /* static string */
    char        value[200];
};

/* What a handler answers. The server presets a 500 problem; a handler
 * replaces it, and the server sends whatever is here when it returns. */
struct response {
    unsigned    status;
    json_t     *body;           /* owned by the response; NULL for none */
    const char *content_type;   /* static string */
    char        location[128];
    unsigned    retry_after_s;  /* 0: no Retry-After */
    const char *allow;          /* for 405; must outlive the response */
    char        etag[24];       /* sent as ETag when not empty, quotes included */
    bool        replayed;       /* sent as Idempotent-Replayed: true */
    char       *link;           /* sent as Link when not NULL; owned, freed with the exchange */
    /* A body that is not JSON (text/csv), sent as is with content_type
     * when `body` is NULL; owned, freed with the exchange. */
    char       *text;
    size_t      text_len;
    struct response_header headers[RESPONSE_HEADERS_MAX];
    unsigned    header_count;
};

typedef void (*route_handler)(struct request *req, struct response *resp);

/* A body of any length, handed to the handler piece by piece as it
 * arrives and never held whole. The server checks the media type, then
 * calls on_begin, on_chunk for each piece in order, and on_end; or
 * on_abort when the connection ends first (client gone, timeout). */
struct route_stream {
    /* The media type the body must have ("application/x-ndjson"); any
     * charset other than UTF-8 is refused as for JSON. */
    const char *content_type;
    /* Runs once the headers are in. Borrows req until on_end or on_abort.
     * Returns the handler's state, or NULL after filling resp with a
     * refusal, which is sent before any of the body is read. */
    void *(*on_begin)(struct request *req, struct response *resp);
    /* Returns 0, or -1 to take no more pieces: the rest of the body is
     * read and dropped, then on_end runs. */
    int (*on_chunk)(void *state, const char *data, size_t len);
    /* After the last piece: fills resp and frees state. */
    void (*on_end)(void *state, struct request *req, struct response *resp);
    /* Frees state with no answer to give. */
    void (*on_abort)(void *state);
};

/* One route: a method and a path; "{id}" in a path matches one non-empty
 * segment there, and what follows it ("/history") must follow as it is.
 * Routes with a body expect `media_type`, application/json when NULL.
 * A route with `stream` set takes its body through it instead, with no
 * overall size cap, and has no handler. */
struct route {
    const char   *method;
    const char   *path;
    route_handler handler;
    bool          has_body;
    const struct route_stream *stream;
    const char   *media_type;
    /* This route's body cap in bytes; 0 means the server's body_max. */
    size_t        body_max;
    /* The role bits admitted (see server_config.admit); 0: open to anyone
     * without credentials, as health checks are. */
    unsigned      roles;
};

/* Decides whether a request may reach its route, once its headers are in
 * and before any of its body is read: who is calling, whether the route
 * admits that role, whether a rate limit is spent. Fills req->who and
 * returns true to go on; or fills resp with the refusal (401, 403, 429,
 * 503) and returns false. May add header fields to resp either way (rate
 * limit state), and they are sent with whatever answer follows. */
typedef bool (*server_admit)(struct request *req, const struct route *route,
                             struct response *resp);

struct server_config {
    const char *listen_addr;
    unsigned    port;
    size_t      body_max;
    unsigned    connection_timeout_s;
    unsigned    connection_limit;
    size_t      connection_memory;
    /* PEM texts of the certificate chain and its key, both borrowed for
     * the call; both NULL to serve plain HTTP. */
    const char *tls_cert_pem;
    const char *tls_key_pem;
    /* Runs before every route whose `roles` is not 0; NULL admits all. */
    server_admit admit;
};

struct server;

/* Starts serving. Borrows cfg for the call only; borrows routes and app
 * until server_stop. Returns NULL (after logging why) on failure. */
struct server *server_start(const struct server_config *cfg, const struct route *routes,
                            size_t route_count, void *app);

/* Stops accepting, finishes requests in flight, frees the server. */
void server_stop(struct server *server);

#endif
