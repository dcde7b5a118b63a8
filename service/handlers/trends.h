/*
 * GET /v1/trends/series, /top, /funnel and /summary: counts and losses of
 * reports over time, JSON or (Accept: text/csv) CSV, with small counts
 * hidden from callers who are neither analysts nor police. The lookup
 * route (handlers/indicators.c) shares the reading and sending below.
 */
#ifndef FRAUD_TRENDS_H
#define FRAUD_TRENDS_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/csv.h"
#include "domain/trend_query.h"
#include "http/server.h"

void trends_series(struct request *req, struct response *resp);
void trends_top(struct request *req, struct response *resp);
void trends_funnel(struct request *req, struct response *resp);
void trends_summary(struct request *req, struct response *resp);

/* What a trend route read, for the code that shapes its answer. */
struct trends_answer {
    struct trend_query query;
    enum trend_source  source;
    /* The store's answer (see store/trends_store.h); owned: a series'
     * table in grid, the others' JSON in data. */
    json_t            *data;
    struct trend_grid *grid;
    /* Counts under k are hidden from this caller. */
    bool               suppress;
    unsigned           k;
    /* The caller asked for text/csv. */
    bool               csv;
};

/* What a route makes of its answer: the JSON body (a new reference, NULL
 * when out of memory), and the same as CSV records. */
typedef json_t *(*trends_body_fn)(const struct trends_answer *answer);
typedef void (*trends_csv_fn)(struct csv *csv, const json_t *body);

/* One route's whole handler: reads the answer (trends_answer_read),
 * makes the body and, when asked for, its CSV, and sends either. */
void trends_answer_route(struct request *req, struct response *resp, enum trend_route route,
                         trends_body_fn body_of, trends_csv_fn csv_of);

/* Parses the request's query for `route`, picks the source and reads the
 * numbers. Returns 0 with *answer filled (release answer->data, or for a
 * series answer->grid with trend_grid_free), or -1
 * after filling resp with the refusal (400 naming every bad parameter,
 * 503, 500). Borrows req. */
int trends_answer_read(struct request *req, struct response *resp, enum trend_route route,
                       struct trends_answer *answer);

/* A loss map of the store ({"CNY": {"amount", "victims"}}) as the API
 * shows it ({"CNY": amount}), an amount null when fewer than k victims
 * lost money in that currency and the answer is suppressed; *hidden is
 * set then. Returns a new reference, NULL when out of memory. */
json_t *trends_loss(json_t *loss, const struct trends_answer *answer, bool *hidden);

/* A count as the API shows it: the number, or null (and *hidden set)
 * when it is under k and the answer is suppressed. New reference. */
json_t *trends_count(json_int_t count, const struct trends_answer *answer, bool *hidden);

/* Appends, for each currency in `currencies` (an array of codes), the
 * amount of `loss` (an API loss map) in it, empty when absent or null. */
void trends_csv_loss(struct csv *csv, const json_t *currencies, const json_t *loss);

/* Adds the codes of loss map `loss` missing from the sorted array
 * `currencies`, keeping it sorted. */
void trends_csv_currencies(json_t *currencies, json_t *loss);

/* Answers 200 with X-Trend-Source: the CSV text when the caller asked
 * for it (taken from *csv; 500 when it cannot be had), else `body`.
 * Takes body, also on failure. */
void trends_answer_send(struct response *resp, const struct trends_answer *answer, json_t *body,
                        struct csv *csv);

#endif
