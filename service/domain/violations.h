/*
 * The list of everything wrong with a request body, each item a JSON
 * Pointer, a stable code and a sentence. Validation collects them all so
 * a caller fixes a form in one round trip, not one field at a time.
 */
#ifndef FRAUD_VIOLATIONS_H
#define FRAUD_VIOLATIONS_H

#include <stddef.h>

#define VIOLATIONS_MAX        64
#define VIOLATION_POINTER_MAX 160
#define VIOLATION_DETAIL_MAX  160

struct violation {
    char        pointer[VIOLATION_POINTER_MAX];
    const char *code;   /* static string: "required", "unknown_code", ... */
    char        detail[VIOLATION_DETAIL_MAX];
};

/* Plain value type: lives on the stack, nothing to free. */
struct violations {
    size_t           count;
    /* More than VIOLATIONS_MAX problems: the rest are counted, not kept. */
    size_t           dropped;
    struct violation items[VIOLATIONS_MAX];
};

void violations_init(struct violations *v);

/* Records one violation. `code` must be a string literal (it is kept by
 * pointer); pointer and detail are copied and truncated to fit. */
void violations_add(struct violations *v, const char *pointer, const char *code,
                    const char *detail_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes "<base>/<token>" into out (size bytes) with the token escaped as
 * RFC 6901 demands ('~' -> "~0", '/' -> "~1"). */
void violations_pointer(char *out, size_t size, const char *base, const char *token);

/* Same for an array index: "<base>/<index>". */
void violations_pointer_index(char *out, size_t size, const char *base, size_t index);

#endif
