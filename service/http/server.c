/*
 * libmicrohttpd set-up and request dispatch. Each request gets a context
 * on its first callback; early refusals (404, 405, 413, 415) are queued
 * before the body is read, so an oversized upload is never buffered.
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

#include "http/body.h"
#include "http/respond.h"
#include "log.h"

struct server {
    struct MHD_Daemon  *daemon;
    const struct route *routes;
    size_t              route_count;
    size_t              body_max;
    void               *app;
    uint32_t            id_prefix;
    atomic_uint_fast32_t id_counter;
};

/* Per-request state, from the first callback to the completion notice. */
struct exchange {
    struct request      req;
    struct response     resp;
    const struct route *route;
    struct body         body;
    struct timespec     started;
    bool                queued;
};

static double
elapsed_ms(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 + (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* A route path either equals the request path or ends in "{id}" and the
 * request path has exactly one non-empty segment in its place. */
static bool
path_matches(const char *pattern, const char *path, char *param, size_t param_size)
{
    const char *hole = strstr(pattern, "{id}");
    size_t      prefix;
    const char *rest;

    if (hole == NULL)
        return strcmp(pattern, path) == 0;
    prefix = (size_t)(hole - pattern);
    if (strncmp(pattern, path, prefix) != 0)
        return false;
    rest = path + prefix;
    if (*rest == '\0' || strchr(rest, '/') != NULL || strlen(rest) >= param_size)
        return false;
    snprintf(param, param_size, "%s", rest);
    return true;
}

/* Finds the route for method + path. When the path is known but the method
 * is not, returns NULL and sets *allow to the methods the path has. */
static const struct route *
route_find(const struct server *server, struct request *req, const char **allow)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;

    *allow = NULL;
    for (size_t i = 0; i < server->route_count; i++) {
        const struct route *route = &server->routes[i];

        if (!path_matches(route->path, req->path, req->param, sizeof(req->param)))
            continue;
        if (strcmp(route->method, method) == 0)
            return route;
        *allow = route->method;
    }
    req->param[0] = '\0';
    return NULL;
}

/* application/json, optionally with parameters; a charset other than
 * UTF-8 is refused because JSON text is UTF-8 (RFC 8259). */
static bool
is_json_type(const char *content_type)
{
    const char *params;

    if (content_type == NULL)
        return false;
    if (strncasecmp(content_type, "application/json", 16) != 0)
        return false;
    params = content_type + 16;
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
    const char     *allow;
    const char     *length;

    ex->route = route_find(server, req, &allow);
    if (ex->route == NULL && allow != NULL) {
        respond_problem(&ex->resp, req, 405, "method-not-allowed", "Method not allowed",
                        "%s is not served here; see Allow", req->method);
        ex->resp.allow = allow;
        return true;
    }
    if (ex->route == NULL) {
        respond_problem(&ex->resp, req, 404, "not-found", "Not found",
                        "There is no resource at this path");
        return true;
    }
    if (!ex->route->has_body)
        return false;
    if (!is_json_type(MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE))) {
        respond_problem(&ex->resp, req, 415, "unsupported-media-type", "Unsupported media type",
                        "Send the body as application/json in UTF-8");
        return true;
    }
    length = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL && strtoull(length, NULL, 10) > server->body_max) {
        respond_problem(&ex->resp, req, 413, "body-too-large", "Body too large",
                        "The body may be at most %zu bytes", server->body_max);
        return true;
    }
    return false;
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
    ex->req.app = server->app;
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
        return MHD_YES;
    }
    if (ex->queued) {
        *upload_data_size = 0;
        return MHD_YES;
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
                        "The body may be at most %zu bytes", server->body_max);
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
    /* The path pattern, never the query or body: those may carry personal data. */
    log_info("request id=%s method=%s route=%s status=%u ms=%.1f%s", ex->req.request_id,
             ex->req.method, ex->route != NULL ? ex->route->path : "-", ex->resp.status,
             elapsed_ms(&ex->started), toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    json_decref(ex->resp.body);
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
    server->app = app;
    if (getrandom(&server->id_prefix, sizeof(server->id_prefix), 0) != sizeof(server->id_prefix))
        server->id_prefix = (uint32_t)time(NULL);
    server->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)cfg->port, NULL, NULL,
        on_request, server,
        /* First, so that every message of the daemon goes through it. */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, server,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_END);
    if (server->daemon == NULL) {
        log_error("cannot listen on %s:%u", cfg->listen_addr, cfg->port);
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
