/*
 * The short admin lists (organisations, keys): one store call answering
 * the whole array, sent as {"items": [...]}.
 */
#ifndef FRAUD_LISTING_H
#define FRAUD_LISTING_H

#include <jansson.h>

#include "http/server.h"
#include "store/db.h"

/* A store function that fills *out with a new reference to an array. */
typedef enum store_status (*listing_read)(struct db_conn *conn, json_t **out);

/* Answers 200 {"items": <what read gives>}, or the store's failure. */
void listing_respond(struct request *req, struct response *resp, listing_read read);

#endif
