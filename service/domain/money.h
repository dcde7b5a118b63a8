/*
 * Money as reports carry it: an integer count of the currency's minor unit
 * (11,670.88 yuan is 1167088 CNY), never a float.
 */
#ifndef FRAUD_MONEY_H
#define FRAUD_MONEY_H

#include <jansson.h>
#include <stdint.h>

#include "domain/violations.h"
#include "domain/vocab.h"

/* The largest amount accepted, in minor units: ten billion yuan. */
#define MONEY_AMOUNT_MAX 1000000000000LL

struct money {
    int64_t     amount_minor;
    const char *currency;       /* borrowed from the parsed JSON */
};

/* Validates a loss object {"amount": integer, "currency": "CNY"} found at
 * `pointer`. Borrows all arguments. Returns 0 and fills *out, or -1 after
 * adding every problem found to `errs`. */
int money_parse(json_t *loss, const char *pointer, const struct vocab *vocab,
                struct money *out, struct violations *errs);

#endif
