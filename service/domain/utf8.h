/*
 * UTF-8 as the service accepts it in query parameters: strict, so that
 * what is compared and stored is what PostgreSQL and JSON agree on.
 */
#ifndef FRAUD_UTF8_H
#define FRAUD_UTF8_H

#include <stdbool.h>

/* Whether the NUL-terminated text is strict UTF-8: no overlong forms, no
 * surrogates, nothing past U+10FFFF. No byte past the NUL is read. */
bool utf8_valid(const char *text);

/* Whether the text holds a C0 control character or DEL. */
bool utf8_has_control(const char *text);

#endif
