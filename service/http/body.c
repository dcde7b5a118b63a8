/*
 * Body accumulation and JSON parsing with the service's limits.
 */
#include "http/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
body_init(struct body *body, size_t max)
{
    memset(body, 0, sizeof(*body));
    body->max = max;
}

int
body_append(struct body *body, const char *data, size_t len)
{
    if (body->too_large || body->out_of_memory)
        return -1;
    if (len > body->max - body->len) {
        body->too_large = true;
        return -1;
    }
    if (body->len + len + 1 > body->cap) {
        /* Grow geometrically but never past the cap (+1 for the NUL). */
        size_t cap = body->cap ? body->cap * 2 : 4096;
        char  *grown;

        while (cap < body->len + len + 1)
            cap *= 2;
        if (cap > body->max + 1)
            cap = body->max + 1;
        grown = realloc(body->data, cap);
        if (grown == NULL) {
            body->out_of_memory = true;
            return -1;
        }
        body->data = grown;
        body->cap = cap;
    }
    memcpy(body->data + body->len, data, len);
    body->len += len;
    body->data[body->len] = '\0';
    return 0;
}

void
body_free(struct body *body)
{
    free(body->data);
    memset(body, 0, sizeof(*body));
}

static size_t
json_depth(json_t *value)
{
    size_t      deepest = 0;
    const char *key;
    json_t     *child;
    size_t      i;

    if (json_is_object(value)) {
        json_object_foreach(value, key, child) {
            size_t d = json_depth(child);

            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    if (json_is_array(value)) {
        json_array_foreach(value, i, child) {
            size_t d = json_depth(child);

            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    return 0;
}

json_t *
body_parse_json(const char *data, size_t len, json_error_t *error)
{
    /* Duplicate keys are refused: "last one wins" lets two readers of the
     * same body see different reports. Any top-level value is decoded so
     * that a string or an array is a validation error with a pointer. */
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, error);

    if (doc == NULL)
        return NULL;
    /* jansson itself stops at 2048 levels, so this walk is bounded. */
    if (json_depth(doc) > BODY_DEPTH_MAX) {
        json_decref(doc);
        snprintf(error->text, sizeof(error->text), "nesting deeper than %d levels",
                 BODY_DEPTH_MAX);
        error->line = 1;
        error->column = 1;
        error->position = 0;
        return NULL;
    }
    return doc;
}

int
body_string_members(json_t *doc, const char *const *names, const char **values, size_t count,
                    struct violations *errs)
{
    const char *member;
    json_t     *value;
    char        pointer[80];

    for (size_t i = 0; i < count; i++)
        values[i] = NULL;
    if (!json_is_object(doc)) {
        violations_add(errs, "", "type", "the body must be a JSON object");
        return -1;
    }
    json_object_foreach(doc, member, value) {
        size_t i = 0;

        while (i < count && strcmp(names[i], member) != 0)
            i++;
        violations_pointer(pointer, sizeof(pointer), "", member);
        if (i == count)
            violations_add(errs, pointer, "unknown_field", "this member is not part of the body");
        else if (!json_is_string(value))
            violations_add(errs, pointer, "type", "must be a string");
        else
            values[i] = json_string_value(value);
    }
    for (size_t i = 0; i < count; i++) {
        if (values[i] == NULL || values[i][0] == '\0') {
            violations_pointer(pointer, sizeof(pointer), "", names[i]);
            if (json_object_get(doc, names[i]) == NULL || values[i] != NULL)
                violations_add(errs, pointer, "required", "a non-empty string is required");
        }
    }
    return errs->count + errs->dropped == 0 ? 0 : -1;
}
