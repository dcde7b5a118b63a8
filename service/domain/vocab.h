/*
 * The code lists a report is checked against (scam types, stages, regions,
 * currencies ...). They live in reference tables; this is an immutable,
 * reference-counted snapshot of them that validation reads without locks.
 */
#ifndef FRAUD_VOCAB_H
#define FRAUD_VOCAB_H

#include <stdbool.h>

enum vocab_kind {
    VOCAB_SOURCE,
    VOCAB_SCAM_TYPE,
    VOCAB_STAGE,
    VOCAB_CHANNEL,
    VOCAB_APP_ROLE,
    VOCAB_IMPERSONATED,
    VOCAB_INFO_LEAK,
    VOCAB_ACCOUNT_KIND,
    VOCAB_AGE_BAND,
    VOCAB_GENDER,
    VOCAB_CURRENCY,
    VOCAB_REGION,
    VOCAB_CASE_STATUS,
    VOCAB_KIND_COUNT
};

struct vocab;

/* Returns a new, empty snapshot with one reference; NULL when out of memory. */
struct vocab *vocab_new(void);

/* Adds a code with its position (stage order, currency minor unit, or 0).
 * Only before vocab_freeze(). Returns 0, or -1 when out of memory. */
int vocab_add(struct vocab *vocab, enum vocab_kind kind, const char *code, int position);

/* Sorts the lists for lookup; the snapshot is read-only afterwards. */
void vocab_freeze(struct vocab *vocab);

/* Whether `code` is in the list of `kind`. Borrows everything. */
bool vocab_has(const struct vocab *vocab, enum vocab_kind kind, const char *code);

/* The position stored with `code` (stage order, currency minor unit), or
 * -1 when the code is unknown. */
int vocab_position(const struct vocab *vocab, enum vocab_kind kind, const char *code);

/* How many codes `kind` has. */
unsigned vocab_count(const struct vocab *vocab, enum vocab_kind kind);

/* Reference counting: vocab_ref returns its argument; vocab_unref frees on
 * the last reference. Both are thread-safe; NULL is ignored. */
struct vocab *vocab_ref(struct vocab *vocab);
void vocab_unref(struct vocab *vocab);

/* "scam_types" for VOCAB_SCAM_TYPE ...: the name the API and the
 * vocabulary_codes view use. Returns a static string. */
const char *vocab_kind_name(enum vocab_kind kind);

/* The inverse of vocab_kind_name; -1 for an unknown name. */
int vocab_kind_from_name(const char *name);

#endif
