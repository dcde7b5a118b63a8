/*
 * JSON strings written straight into an answer's stream, for answers that
 * write thousands of them (a series by app or prefecture): a jansson
 * string per name, dumped and freed, cost a third of such an answer.
 */
#ifndef FRAUD_JSONSTR_H
#define FRAUD_JSONSTR_H

#include <stdio.h>

/* Writes text to out as a JSON string, byte for byte as jansson's
 * json_dumpf(json_string(text), out, JSON_ENCODE_ANY) would: '"', '\' and
 * the C0 controls escaped (\b \f \n \r \t by name, the others as \u00XX),
 * everything else as it is. Returns 0, or -1 with nothing written when
 * text is not strict UTF-8. Borrows both. */
int jsonstr_write(FILE *out, const char *text);

#endif
