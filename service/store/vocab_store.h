/*
 * The code lists, read from the reference tables.
 */
#ifndef FRAUD_VOCAB_STORE_H
#define FRAUD_VOCAB_STORE_H

#include <jansson.h>

#include "domain/vocab.h"
#include "store/db.h"

/* Loads every code list into a new frozen snapshot (*out, one reference).
 * Borrows conn. */
enum store_status vocab_store_load(struct db_conn *conn, struct vocab **out);

/* The lists with their labels as GET /v1/vocabularies returns them; on
 * STORE_OK *out is a new reference. */
enum store_status vocab_store_labels(struct db_conn *conn, json_t **out);

#endif
