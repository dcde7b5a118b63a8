/*
 * Comparing what validation reported with what a test expects: the same
 * set of (JSON Pointer, code) pairs, in any order.
 */
#ifndef FRAUD_EXPECT_VIOLATIONS_H
#define FRAUD_EXPECT_VIOLATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/violations.h"

/* A pointer and code the caller expects to see, in any order. */
struct expected_violation {
    const char *pointer;
    const char *code;
};

/* Whether errs holds exactly `want`: same count, any order, none dropped.
 * Borrows both. */
bool expect_violations_match(const struct violations *errs, const struct expected_violation *want,
                             size_t want_count);

#endif
