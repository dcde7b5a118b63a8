/*
 * Request bodies: accumulated up to a cap, then parsed as JSON with the
 * limits every endpoint shares (duplicate keys refused, bounded depth).
 */
#ifndef FRAUD_BODY_H
#define FRAUD_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/violations.h"

/* JSON nesting deeper than this is refused before validation. */
#define BODY_DEPTH_MAX 32

struct body {
    char  *data;
    size_t len;
    size_t cap;
    size_t max;
    bool   too_large;
    bool   out_of_memory;
};

void body_init(struct body *body, size_t max);

/* Appends a chunk. Past body->max it keeps nothing more, sets too_large
 * and returns -1; when out of memory sets out_of_memory and returns -1. */
int body_append(struct body *body, const char *data, size_t len);

void body_free(struct body *body);

/* Parses `len` bytes as JSON. Returns a new reference, or NULL with
 * *error filled (line, column, position, text). */
json_t *body_parse_json(const char *data, size_t len, json_error_t *error);

/* Reads a small object body whose members are all strings: names[i]
 * into values[i] (borrowed from doc; NULL when absent). Adds a violation
 * for a body that is not an object (pointer ""), a member not in names
 * (unknown_field), a value that is not a string (type), and a missing or
 * empty one (required). Returns 0, or -1 when errs got any. */
int body_string_members(json_t *doc, const char *const *names, const char **values,
                        size_t count, struct violations *errs);

#endif
