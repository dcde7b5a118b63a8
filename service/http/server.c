/*
 * libmicrohttpd set-up and request dispatch. Each request gets a context
 * on its first callback; early refusals (404, 405, 413, 415) are queued
 * before the body is read, so an oversized upload is never buffered.
 * Streamed routes get their body piece by piece instead of whole.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "domain/timestamp.h"
#include "http/body.h"
#include "http/respond.h"
#include "log.h"

struct server {
    struct MHD_Daemon  *daemon;
    const struct route *routes;
    size_t              route_count;
    size_t              body_max;
    server_admit        admit;
    void               *app;
    uint32_t            id_prefix;
    atomic_uint_fast32_t id_counter;
};

/* Per-request state, from the first callback to the completion notice. */
/* Methods one path may have, and the longest Allow value they make:
 * "DELETE, GET, PATCH, POST, PUT" and room to spare. */
#define ALLOW_METHODS_MAX 8
#define ALLOW_MAX         64

struct exchange {
    struct request      req;
    struct response     resp;
    const struct route *route;
    struct body         body;
    struct timespec     started;
    bool                queued;
    /* A streamed route's state, from on_begin until on_end or on_abort;
     * stream_stopped once on_chunk has refused a piece. */
    void               *stream_state;
    bool                stream_stopped;
    /* The Allow value of a 405, which resp.allow points to. */
    char                allow[ALLOW_MAX];
};

/* A route path either equals the request path or has "{id}" where the
 * request path has one non-empty segment, with the same text before and
 * after it ("/v1/reports/{id}/history"). */
static bool
path_matches(const char *pattern, const char *path, char *param, size_t param_size)
{
    const char *hole = strstr(pattern, "{id}");
    size_t      prefix;
    size_t      segment;
    const char *rest;

    if (hole == NULL)
        return strcmp(pattern, path) == 0;
    prefix = (size_t)(hole - pattern);
    if (strncmp(pattern, path, prefix) != 0)
        return false;
    rest = path + prefix;
    segment = strcspn(rest, "/");
    if (segment == 0 || segment >= param_size || strcmp(rest + segment, hole + 4) != 0)
        return false;
    snprintf(param, param_size, "%.*s", (int)segment, rest);
    return true;
}

static int
compare_methods(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes the methods (ALLOW_METHODS_MAX at most) as an Allow value,
 * "GET, POST": sorted, so it does not depend on the route table's order. */
static void
allow_list(const char **methods, size_t count, char *allow, size_t allow_size)
{
    size_t len = 0;

    qsort(methods, count, sizeof(methods[0]), compare_methods);
    allow[0] = '\0';
    for (size_t i = 0; i < count && len < allow_size; i++)
        if (i == 0 || strcmp(methods[i], methods[i - 1]) != 0)
            len += (size_t)snprintf(allow + len, allow_size - len, "%s%s", len > 0 ? ", " : "",
                                    methods[i]);
}

/* Finds the route for method + path. When the path is known but the method
 * is not, returns NULL and writes every method the path has into allow
 * (allow_size bytes); otherwise allow is "". */
static const struct route *
route_find(const struct server *server, struct request *req, char *allow, size_t allow_size)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    const char *methods[ALLOW_METHODS_MAX];
    size_t      count = 0;

    for (size_t i = 0; i < server->route_count; i++) {
        const struct route *route = &server->routes[i];

        if (!path_matches(route->path, req->path, req->param, sizeof(req->param)))
            continue;
        if (strcmp(route->method, method) == 0) {
            allow[0] = '\0';
            return route;
        }
        if (count < ALLOW_METHODS_MAX)
            methods[count++] = route->method;
    }
    req->param[0] = '\0';
    allow_list(methods, count, allow, allow_size);
    return NULL;
}

/* `type` (application/json ...), optionally with parameters; a charset
 * other than UTF-8 is refused because JSON text is UTF-8 (RFC 8259). */
static bool
is_media_type(const char *content_type, const char *type)
{
    size_t      type_len = strlen(type);
    const char *params;

    if (content_type == NULL)
        return false;
    if (strncasecmp(content_type, type, type_len) != 0)
        return false;
    params = content_type + type_len;
    if (*params == '\0')
        return true;
    if (*params != ';' && *params != ' ')
        return false;
    params = strcasestr(params, "charset=");
    if (params == NULL)
        return true;
    params += 8;
    if (*params == '"')
        params++;
    return strncasecmp(params, "utf-8", 5) == 0;
}

/* Checks made before any of the body is read. Returns true when a
 * response has been decided (and filled in ex->resp). */
static bool
refuse_early(struct server *server, struct exchange *ex)
{
    struct request *req = &ex->req;
    const char     *length;
    const char     *media_type;

    ex->route = route_find(server, req, ex->allow, sizeof(ex->allow));
    req->route = ex->route != NULL ? ex->route->path : "";
    if (ex->route == NULL && ex->allow[0] != '\0') {
        respond_problem(&ex->resp, req, 405, "method-not-allowed", "Method not allowed",
                        "%s is not served here; see Allow", req->method);
        ex->resp.allow = ex->allow;
        return true;
    }
    if (ex->route == NULL) {
        respond_problem(&ex->resp, req, 404, "not-found", "Not found",
                        "There is no resource at this path");
        return true;
    }
    if (ex->route->roles != 0 && server->admit != NULL
        && !server->admit(req, ex->route, &ex->resp))
        return true;
    if (ex->route->stream != NULL) {
        if (is_media_type(MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_CONTENT_TYPE),
                          ex->route->stream->content_type))
            return false;
        respond_problem(&ex->resp, req, 415, "unsupported-media-type", "Unsupported media type",
                        "Send the body as %s in UTF-8", ex->route->stream->content_type);
        return true;
    }
    if (!ex->route->has_body)
        return false;
    media_type = ex->route->media_type != NULL ? ex->route->media_type : "application/json";
    if (!is_media_type(MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_TYPE),
                       media_type)) {
        respond_problem(&ex->resp, req, 415, "unsupported-media-type", "Unsupported media type",
                        "Send the body as %s in UTF-8", media_type);
        return true;
    }
    if (ex->route->body_max != 0)
        ex->body.max = ex->route->body_max;
    length = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL && strtoull(length, NULL, 10) > ex->body.max) {
        respond_problem(&ex->resp, req, 413, "body-too-large", "Body too large",
                        "The body may be at most %zu bytes", ex->body.max);
        return true;
    }
    return false;
}

/* The peer's address as text; "" when there is none to print. */
static void
client_address(struct MHD_Connection *connection, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr          *addr = info != NULL ? info->client_addr : NULL;

    out[0] = '\0';
    if (addr != NULL && addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, out, size);
    else if (addr != NULL && addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, out, size);
}

static struct exchange *
exchange_new(struct server *server, struct MHD_Connection *connection, const char *url,
             const char *method)
{
    struct exchange *ex = calloc(1, sizeof(*ex));

    if (ex == NULL)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &ex->started);
    ex->req.connection = connection;
    ex->req.method = method;
    ex->req.path = url;
    ex->req.route = "";
    ex->req.app = server->app;
    client_address(connection, ex->req.client, sizeof(ex->req.client));
    snprintf(ex->req.request_id, sizeof(ex->req.request_id), "%08x%08x",
             (unsigned)server->id_prefix,
             (unsigned)atomic_fetch_add(&server->id_counter, 1));
    body_init(&ex->body, server->body_max);
    return ex;
}

static enum MHD_Result
exchange_queue(struct exchange *ex)
{
    ex->queued = true;
    return respond_send(&ex->req, &ex->resp) == MHD_YES ? MHD_YES : MHD_NO;
}

static void
exchange_dispatch(struct exchange *ex)
{
    ex->req.body = ex->body.data != NULL ? ex->body.data : "";
    ex->req.body_len = ex->body.len;
    ex->route->handler(&ex->req, &ex->resp);
}

/* Starts a streamed route. Returns false when on_begin refused, with its
 * answer in ex->resp. */
static bool
stream_begin(struct exchange *ex)
{
    ex->stream_state = ex->route->stream->on_begin(&ex->req, &ex->resp);
    return ex->stream_state != NULL;
}

static void
stream_chunk(struct exchange *ex, const char *data, size_t len)
{
    if (!ex->stream_stopped && ex->route->stream->on_chunk(ex->stream_state, data, len) != 0)
        ex->stream_stopped = true;
}

static void
stream_end(struct exchange *ex)
{
    void *state = ex->stream_state;

    ex->stream_state = NULL;
    ex->route->stream->on_end(state, &ex->req, &ex->resp);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size,
           void **con_cls)
{
    struct server   *server = cls;
    struct exchange *ex = *con_cls;

    (void)version;
    if (ex == NULL) {
        ex = exchange_new(server, connection, url, method);
        if (ex == NULL)
            return MHD_NO;
        *con_cls = ex;
        respond_problem(&ex->resp, &ex->req, 500, "internal", "Internal error",
                        "The request could not be completed");
        if (refuse_early(server, ex))
            return exchange_queue(ex);
        if (ex->route->stream != NULL && !stream_begin(ex))
            return exchange_queue(ex);
        return MHD_YES;
    }
    if (ex->queued) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ex->route->stream != NULL) {
        /* Each piece as it comes; the end is a call with nothing more. */
        if (*upload_data_size > 0) {
            stream_chunk(ex, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        stream_end(ex);
        return exchange_queue(ex);
    }
    if (*upload_data_size > 0) {
        /* Past the cap the rest is read and dropped, never kept: libmicrohttpd
         * cannot queue a response in the middle of a body. */
        body_append(&ex->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ex->body.too_large) {
        respond_problem(&ex->resp, &ex->req, 413, "body-too-large", "Body too large",
                        "The body may be at most %zu bytes", ex->body.max);
        return exchange_queue(ex);
    }
    /* Out of memory: the preset 500 goes out as it is. */
    if (!ex->body.out_of_memory)
        exchange_dispatch(ex);
    return exchange_queue(ex);
}

static void
on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct exchange *ex = *con_cls;

    (void)cls;
    (void)connection;
    if (ex == NULL)
        return;
    if (ex->stream_state != NULL)
        ex->route->stream->on_abort(ex->stream_state);
    /* The path pattern, never the query or body: those may carry personal data. */
    log_info("request id=%s method=%s route=%s key=%s status=%u ms=%.1f%s", ex->req.request_id,
             ex->req.method, ex->route != NULL ? ex->route->path : "-",
             ex->req.who.key_prefix[0] != '\0' ? ex->req.who.key_prefix
             : ex->req.who.anonymous           ? "anonymous"
                                               : "-",
             ex->resp.status, 1e3 * timestamp_seconds_since(&ex->started),
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    json_decref(ex->resp.body);
    free(ex->resp.link);
    free(ex->resp.text);
    body_free(&ex->body);
    free(ex);
    *con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_warn("http: %s", line);
}

struct server *
server_start(const struct server_config *cfg, const struct route *routes, size_t route_count,
             void *app)
{
    struct server     *server = calloc(1, sizeof(*server));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};

    if (server == NULL)
        return NULL;
    if (inet_pton(AF_INET, cfg->listen_addr, &addr.sin_addr) != 1) {
        log_error("LISTEN_ADDR %s is not an IPv4 address", cfg->listen_addr);
        free(server);
        return NULL;
    }
    server->routes = routes;
    server->route_count = route_count;
    server->body_max = cfg->body_max;
    server->admit = cfg->admit;
    server->app = app;
    if (getrandom(&server->id_prefix, sizeof(server->id_prefix), 0) != sizeof(server->id_prefix))
        server->id_prefix = (uint32_t)time(NULL);
    if (cfg->tls_cert_pem != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        log_error("--tls-cert was given, but this libmicrohttpd was built without TLS");
        free(server);
        return NULL;
    }
    /* A thread per connection, not a pool of event loops: a pool pins
     * each connection to the loop that accepted it, and a loop serves its
     * connections one request at a time, so with 8 keep-alive clients on
     * 2 loops split 6 and 2, the 6 waited three times as long as the 2
     * (a year's top 100 phones: p50 11 ms, p95 72 ms). Here every request
     * waits for a database connection in arrival order (db_acquire), the
     * same for all clients. */
    server->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC
            | MHD_USE_ERROR_LOG | (cfg->tls_cert_pem != NULL ? MHD_USE_TLS : 0),
        (uint16_t)cfg->port, NULL, NULL,
        on_request, server,
        /* First, so that every message of the daemon goes through it. */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, server,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        /* Without TLS the list ends here: the PEM options are ignored. */
        cfg->tls_cert_pem != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
        cfg->tls_cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem,
        MHD_OPTION_END);
    if (server->daemon == NULL) {
        log_error("cannot listen on %s:%u%s", cfg->listen_addr, cfg->port,
                  cfg->tls_cert_pem != NULL ? " (or the TLS certificate and key do not load)"
                                            : "");
        free(server);
        return NULL;
    }
    return server;
}

void
server_stop(struct server *server)
{
    if (server == NULL)
        return;
    MHD_stop_daemon(server->daemon);
    free(server);
}
