/*
 * Phone numbers as victims and police write them, normalised to E.164.
 * Backed by Google's libphonenumber (through a small C++ shim) so that the
 * number type and region come from the same metadata phone systems use.
 */
#ifndef FRAUD_PHONE_H
#define FRAUD_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest raw text accepted, in bytes. */
#define PHONE_RAW_MAX 64

/* What one raw number turned out to be. Plain data, no ownership. */
struct phone {
    /* "+8613800000000" (at most 15 digits); empty when the number could
     * not be normalised. */
    char e164[20];
    /* The first non-space character is '+' or fullwidth '＋', as on "calls
     * with special symbols"; set even when the rest is rejected. */
    bool leading_plus;
    /* The country calling code is not +86 (so +852, +853 and +886 count). */
    bool international;
    /* libphonenumber's IsValidNumber on the parsed number. */
    bool valid;
    /* "mobile", "fixed_line", "fixed_line_or_mobile", "toll_free",
     * "premium_rate", "shared_cost", "voip", "personal_number", "pager",
     * "uan", "voicemail" or "unknown"; empty when not normalised. */
    char type[24];
    /* ISO 3166-1 alpha-2 region of the number ("CN", "US"), or "" when
     * unknown (an invalid number under a shared code such as +1 or +44, a
     * non-geographic code such as +800) or not normalised. */
    char region[4];
};

/* Parses `raw` (len bytes, need not be NUL-terminated) with CN as the
 * default region. Returns 0 and fills *out when the text parses as a phone
 * number (valid or not: see out->valid); returns -1, clears *out and fills
 * only out->leading_plus when it cannot be normalised at all: a character
 * other than digits, plus signs, spaces and - . / ( ) separators (ASCII or
 * fullwidth; so any letter), fewer than 5 digits, more than PHONE_RAW_MAX
 * bytes or 15 E.164 digits, or no parse. Never allocates on the caller's
 * behalf; thread-safe. */
int phone_normalise(const char *raw, size_t len, struct phone *out);

#endif
