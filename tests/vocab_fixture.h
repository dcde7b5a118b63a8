/*
 * The code lists used without a database (unit suites, fuzzers): read from
 * tests/data/vocabulary.tsv, kind<TAB>code<TAB>position per line.
 */
#ifndef FRAUD_VOCAB_FIXTURE_H
#define FRAUD_VOCAB_FIXTURE_H

#include <stddef.h>

#include "domain/vocab.h"

/* Returns a frozen snapshot with every kind non-empty (caller unrefs), or
 * NULL with the reason in why (why_size bytes). Borrows path. */
struct vocab *vocab_fixture_load(const char *path, char *why, size_t why_size);

#endif
