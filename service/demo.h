/*
 * `fraud-intake demo-data --reports N [--days D] [--seed S]`: fills the
 * configured database with synthetic reports through COPY, the same for
 * the same seed, so that trend queries and their benchmarks have national-
 * scale data to run on. The trend rollups hold every one of them when it
 * exits (it applies what the triggers queued while loading).
 */
#ifndef FRAUD_DEMO_H
#define FRAUD_DEMO_H

#include "config.h"
#include "store/db.h"

/* Runs the subcommand in argv (argv[1] is "demo-data"); the database's
 * migrations must already be applied. Progress and the time taken go to
 * stderr. Borrows argv and cfg. Returns the exit status: 0 done, 1 failed,
 * 2 usage error. */
int demo_run(int argc, char **argv, const struct config *cfg);

/* Loads `reports` synthetic reports, spread over the `days` days that end
 * now, through conn (borrowed, outside any transaction), the same reports
 * for the same seed, as demo-data does: what tests and benchmarks call to
 * fill a database of their own. Progress goes to stderr. Returns 0, or 1
 * after saying why on stderr. */
int demo_generate(struct db_conn *conn, long long reports, long long days, long long seed);

#endif
