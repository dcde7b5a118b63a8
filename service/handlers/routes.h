/*
 * The route table: which handler answers which method and path.
 */
#ifndef FRAUD_ROUTES_H
#define FRAUD_ROUTES_H

#include <stddef.h>

#include "http/server.h"

extern const struct route routes[];
extern const size_t routes_count;

#endif
