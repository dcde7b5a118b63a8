/*
 * libcurl behind one call per request, for the black-box suites. Each
 * request uses its own easy handle and connection, so no state is shared
 * between tests.
 */
#include "http_client.h"

#include <check.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../testutil.h"

#define HTTP_CLIENT_DEFAULT_TIMEOUT_MS 10000L

/* Text that must never reach a client in an error body. */
static const char *const leak_markers[] = {
    "ERROR:", "SQL", "PQ", "syntax", "/work", "service/",
};

struct upload {
    const char *data;
    size_t      len;
    size_t      offset;
};

void
http_client_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
http_client_teardown(void)
{
    curl_global_cleanup();
}

static size_t
on_body(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct http_response *resp = userdata;
    size_t                n = size * nmemb;
    char                 *grown = realloc(resp->body, resp->body_len + n + 1);

    if (grown == NULL)
        return 0;
    memcpy(grown + resp->body_len, chunk, n);
    resp->body = grown;
    resp->body_len += n;
    resp->body[resp->body_len] = '\0';
    return n;
}

static void
headers_clear(struct http_response *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    resp->headers = NULL;
    resp->header_count = 0;
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    struct http_response *resp = userdata;
    size_t                n = size * nmemb;
    size_t                name_len, value_start, value_end;
    struct http_header   *grown;
    const char           *colon;

    /* A new status line starts a new header block: only the final
     * response's headers are kept (not those of a 100 Continue). */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        headers_clear(resp);
        return n;
    }
    colon = memchr(line, ':', n);
    if (colon == NULL)
        return n;
    name_len = (size_t)(colon - line);
    value_start = name_len + 1;
    while (value_start < n && (line[value_start] == ' ' || line[value_start] == '\t'))
        value_start++;
    value_end = n;
    while (value_end > value_start && isspace((unsigned char)line[value_end - 1]))
        value_end--;

    grown = realloc(resp->headers, (resp->header_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return 0;
    resp->headers = grown;
    grown[resp->header_count].name = strndup(line, name_len);
    grown[resp->header_count].value = strndup(line + value_start, value_end - value_start);
    if (grown[resp->header_count].name == NULL || grown[resp->header_count].value == NULL) {
        free(grown[resp->header_count].name);
        free(grown[resp->header_count].value);
        return 0;
    }
    resp->header_count++;
    return n;
}

static size_t
on_upload(char *buffer, size_t size, size_t nmemb, void *userdata)
{
    struct upload *upload = userdata;
    size_t         room = size * nmemb;
    size_t         left = upload->len - upload->offset;
    /* Small pieces, so the body really travels as several chunks. */
    size_t         n = left < room ? left : room;

    if (n > 8192)
        n = 8192;
    memcpy(buffer, upload->data + upload->offset, n);
    upload->offset += n;
    return n;
}

int
http_client_perform(const struct http_request *req, struct http_response *out)
{
    const char        *base = req->base_url != NULL ? req->base_url
                                                    : testutil_env("FRAUD_TEST_BASE_URL");
    struct curl_slist *headers = NULL;
    struct upload      upload = { req->body, req->body_len, 0 };
    char              *url = NULL;
    char              *content_type = NULL;
    char              *authorization = NULL;
    const char        *key = req->key != NULL ? req->key : getenv("FRAUD_TEST_KEY");
    CURL              *curl;
    CURLcode           rc = CURLE_FAILED_INIT;

    memset(out, 0, sizeof(*out));
    curl = curl_easy_init();
    if (curl == NULL || asprintf(&url, "%s%s", base, req->path) < 0) {
        url = NULL;
        goto out;
    }

    /* Deterministic requests: no proxy from the environment, no
     * Expect: 100-continue pause, no default form Content-Type. */
    headers = curl_slist_append(headers, "Expect:");
    if (req->content_type != NULL) {
        if (asprintf(&content_type, "Content-Type: %s", req->content_type) < 0) {
            content_type = NULL;
            goto out;
        }
        headers = curl_slist_append(headers, content_type);
    } else {
        headers = curl_slist_append(headers, "Content-Type:");
    }
    if (req->chunked)
        headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
        if (strncasecmp(req->headers[i], "Authorization:", 14) == 0)
            key = NULL;
        headers = curl_slist_append(headers, req->headers[i]);
    }
    if (key != NULL && key[0] != '\0') {
        if (asprintf(&authorization, "Authorization: Bearer %s", key) < 0) {
            authorization = NULL;
            goto out;
        }
        headers = curl_slist_append(headers, authorization);
    }
    if (headers == NULL)
        goto out;

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     req->timeout_ms > 0 ? req->timeout_ms : HTTP_CLIENT_DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, out);

    if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->chunked) {
            curl_easy_setopt(curl, CURLOPT_POST, 1L);
            curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
            curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        } else if (req->body != NULL || strcmp(req->method, "POST") == 0) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        }
    }

    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);

out:
    if (rc != CURLE_OK)
        out->error = curl_easy_strerror(rc);
    if (out->body == NULL) {
        out->body = calloc(1, 1);
        out->body_len = 0;
    }
    curl_slist_free_all(headers);
    free(authorization);
    free(content_type);
    free(url);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}

void
http_client_response_free(struct http_response *resp)
{
    headers_clear(resp);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}

const char *
http_client_header(const struct http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

json_t *
http_client_json(const struct http_response *resp)
{
    json_error_t error;
    json_t      *json = json_loadb(resp->body, resp->body_len, JSON_REJECT_DUPLICATES, &error);

    ck_assert_msg(json != NULL, "response body is not JSON (%s at %d:%d): %.200s",
                  error.text, error.line, error.column, resp->body);
    return json;
}

void
http_client_get(const char *path, struct http_response *out)
{
    struct http_request req = { .method = "GET", .path = path };

    ck_assert_msg(http_client_perform(&req, out) == 0, "GET %s: %s", path, out->error);
}

void
http_client_post_json(const char *path, const char *body, size_t body_len,
                      struct http_response *out)
{
    struct http_request req = {
        .method = "POST", .path = path, .content_type = "application/json",
        .body = body, .body_len = body_len,
    };

    ck_assert_msg(http_client_perform(&req, out) == 0, "POST %s: %s", path, out->error);
}

void
http_client_assert_common(const struct http_response *resp)
{
    const char *request_id = http_client_header(resp, "X-Request-Id");
    const char *cache_control = http_client_header(resp, "Cache-Control");

    ck_assert_msg(request_id != NULL, "status %ld: no X-Request-Id", resp->status);
    ck_assert_msg(strlen(request_id) == 16 && strspn(request_id, "0123456789abcdefABCDEF") == 16,
                  "X-Request-Id is not 16 hex characters: '%s'", request_id);
    ck_assert_msg(cache_control != NULL && strcasecmp(cache_control, "no-store") == 0,
                  "status %ld: Cache-Control is '%s', not no-store", resp->status,
                  cache_control != NULL ? cache_control : "(absent)");
}

json_t *
http_client_assert_problem(const struct http_response *resp, long status, const char *type)
{
    const char *content_type = http_client_header(resp, "Content-Type");
    const char *request_id = http_client_header(resp, "X-Request-Id");
    json_t     *problem;
    json_t     *member;

    ck_assert_msg(resp->status == status, "status %ld, expected %ld; body %.300s",
                  resp->status, status, resp->body);
    http_client_assert_common(resp);
    ck_assert_msg(content_type != NULL
                      && strncasecmp(content_type, "application/problem+json", 24) == 0
                      && (content_type[24] == '\0' || content_type[24] == ';'),
                  "status %ld: Content-Type '%s' is not application/problem+json", status,
                  content_type != NULL ? content_type : "(absent)");
    for (size_t i = 0; i < sizeof(leak_markers) / sizeof(leak_markers[0]); i++)
        ck_assert_msg(strstr(resp->body, leak_markers[i]) == NULL,
                      "error body shows internal text '%s': %.300s", leak_markers[i], resp->body);

    problem = http_client_json(resp);
    ck_assert_msg(json_is_object(problem), "problem is not an object: %.200s", resp->body);
    member = json_object_get(problem, "type");
    ck_assert_msg(json_is_string(member) && strcmp(json_string_value(member), type) == 0,
                  "problem type is %.200s, expected %s", resp->body, type);
    member = json_object_get(problem, "status");
    ck_assert_msg(json_is_integer(member) && json_integer_value(member) == status,
                  "problem status member does not equal %ld: %.200s", status, resp->body);
    member = json_object_get(problem, "title");
    ck_assert_msg(json_is_string(member) && json_string_length(member) > 0,
                  "problem has no title: %.200s", resp->body);
    member = json_object_get(problem, "request_id");
    ck_assert_msg(json_is_string(member) && request_id != NULL
                      && strcmp(json_string_value(member), request_id) == 0,
                  "problem request_id does not equal X-Request-Id: %.200s", resp->body);
    return problem;
}

bool
http_client_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

const char *
http_client_key(const char *role)
{
    char name[64];

    snprintf(name, sizeof(name), "FRAUD_TEST_KEY_%s", role);
    for (char *p = name; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    return testutil_env(name);
}

void
http_client_authorization(char *out, size_t size, const char *key)
{
    snprintf(out, size, "Authorization: Bearer %s",
             key != NULL ? key : testutil_env("FRAUD_TEST_KEY"));
}

void
http_client_actor(char *out, size_t size, const char *key)
{
    const char *text = key != NULL ? key : testutil_env("FRAUD_TEST_KEY");

    /* fi_<prefix>_<secret>: the prefix is the 8 characters after "fi_". */
    snprintf(out, size, "key:%.8s", strlen(text) > 3 ? text + 3 : "");
}

void
http_client_get_as(const char *path, const char *key, struct http_response *out)
{
    struct http_request req = {.method = "GET", .path = path, .key = key};

    ck_assert_msg(http_client_perform(&req, out) == 0, "GET %s: %s", path,
                  out->error != NULL ? out->error : "no response");
}
