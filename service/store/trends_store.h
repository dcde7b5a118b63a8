/*
 * The numbers behind the trend routes: one statement per route and source
 * (daily rollup, hourly rollup, base tables; see statements.c), each
 * answering one JSON document, or rows (a series: the rows of its table; a
 * top-N list: a row per listed value), plus PostgreSQL's list of time
 * zones.
 */
#ifndef FRAUD_TRENDS_STORE_H
#define FRAUD_TRENDS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/trend_cells.h"
#include "domain/trend_pieces.h"
#include "domain/trend_query.h"
#include "store/db.h"

/* Whether PostgreSQL knows zone `tz` (its exact name in pg_timezone_names)
 * and, when it does, its offset from UTC now in *utc_offset_s. The list is
 * read through conn once per process and kept: zones do not come and go
 * while the database runs. Borrows conn and tz. STORE_NOT_FOUND for an
 * unknown zone. */
enum store_status trends_store_zone(struct db_conn *conn, const char *tz, long *utc_offset_s);

/* Runs the statement of query->route (any but series) for `source` and
 * returns its answer in *out (a new reference), for the handler to
 * suppress and shape:
 *   top      {"items": [{"value", "reports", "previous_reports",
 *             "loss": {"CNY": {"amount", "victims"}}, "first_seen", "last_seen"}]}
 *   funnel   {"stages": [{"stage", "reached"}]} in the stages' order
 *   summary  {"current": {"reports", "victims_with_loss", "loss": {...}},
 *             "previous": {...}}
 *   lookup   {"known", "reports", "loss": {...}, "first_seen", "last_seen",
 *             "scam_types": [...], "stages": [...]}
 * Times are RFC 3339 UTC. Borrows conn and query. */
enum store_status trends_store_read(struct db_conn *conn, const struct trend_query *query,
                                    enum trend_source source, json_t **out);

/* The same for a series: its table in *out (domain/trend_cells.h; the
 * caller frees it with trend_grid_free), starts like
 * "2026-03-01T00:00:00+08:00", each cell's metric and the count
 * suppression goes by; too_many when it would have more than
 * TREND_QUERY_CELLS_MAX cells. Borrows conn and query. */
enum store_status trends_store_series(struct db_conn *conn, const struct trend_query *query,
                                      enum trend_source source, struct trend_grid **out);

/* A range's pieces and reads as the rollup statements take them: text
 * arrays of trend_piece and trend_read (migrations/0023, 0024). Sized for
 * the most of each and the braces: a piece `,"(f,YYYY-MM-DD,YYYY-MM-DD,
 * -1,f)"` is at most 33 bytes, a read 70. A text cut short is an array
 * the statement refuses. */
struct trends_range {
    char pieces[2 + TREND_PIECES_MAX * 40];
    char reads[2 + TREND_READS_MAX * 80];
};

/* Fills *range for [from_s, to_s), Asia/Shanghai midnights (a range the
 * daily rollups answer): its pieces, of tiers up to `coarsest`, and above
 * days its reads together with the equal period before it (empty with
 * days alone). */
void trends_store_range(int64_t from_s, int64_t to_s, enum trend_tier coarsest,
                        struct trends_range *range);

#endif
