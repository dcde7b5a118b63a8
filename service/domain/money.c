/*
 * Validation of loss amounts: integer minor units and an ISO 4217 code.
 */
#include "domain/money.h"

#include <string.h>

static int
money_amount(const json_t *amount, const char *pointer, int64_t *out, struct violations *errs)
{
    if (amount == NULL || json_is_null(amount)) {
        violations_add(errs, pointer, "required", "the amount is required");
        return -1;
    }
    /* jansson reads 1e3 and 100.0 as reals: money never has a fraction or
     * an exponent, so both are refused rather than rounded. */
    if (!json_is_integer(amount)) {
        violations_add(errs, pointer, "type",
                       "must be an integer number of minor units (100.50 CNY is 10050)");
        return -1;
    }
    if (json_integer_value(amount) < 0 || json_integer_value(amount) > MONEY_AMOUNT_MAX) {
        violations_add(errs, pointer, "range", "must be an integer from 0 to %lld",
                       (long long)MONEY_AMOUNT_MAX);
        return -1;
    }
    *out = json_integer_value(amount);
    return 0;
}

static int
money_currency(const json_t *currency, const char *pointer, const struct vocab *vocab,
               const char **out, struct violations *errs)
{
    if (currency == NULL || json_is_null(currency)) {
        violations_add(errs, pointer, "required", "the ISO 4217 currency is required");
        return -1;
    }
    if (!json_is_string(currency)) {
        violations_add(errs, pointer, "type", "must be a string such as \"CNY\"");
        return -1;
    }
    if (!vocab_has(vocab, VOCAB_CURRENCY, json_string_value(currency))) {
        violations_add(errs, pointer, "unknown_code", "is not an ISO 4217 currency code");
        return -1;
    }
    *out = json_string_value(currency);
    return 0;
}

int
money_parse(json_t *loss, const char *pointer, const struct vocab *vocab,
            struct money *out, struct violations *errs)
{
    char        child[VIOLATION_POINTER_MAX];
    const char *key;
    json_t     *value;
    int         rc = 0;

    if (!json_is_object(loss)) {
        violations_add(errs, pointer, "type", "must be an object {\"amount\", \"currency\"}");
        return -1;
    }
    json_object_foreach(loss, key, value) {
        if (strcmp(key, "amount") != 0 && strcmp(key, "currency") != 0) {
            violations_pointer(child, sizeof(child), pointer, key);
            violations_add(errs, child, "unknown_field", "is not a member of a loss");
            rc = -1;
        }
    }
    violations_pointer(child, sizeof(child), pointer, "amount");
    if (money_amount(json_object_get(loss, "amount"), child, &out->amount_minor, errs) != 0)
        rc = -1;
    violations_pointer(child, sizeof(child), pointer, "currency");
    if (money_currency(json_object_get(loss, "currency"), child, vocab, &out->currency,
                       errs) != 0)
        rc = -1;
    return rc;
}
