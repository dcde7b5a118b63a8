/*
 * `fraud-intake demo-data --reports N [--days D] [--seed S]`: fills the
 * configured database with synthetic reports through COPY, the same for
 * the same seed, so that trend queries and their benchmarks have national-
 * scale data to run on. The rollup triggers count them as they load.
 */
#ifndef FRAUD_DEMO_H
#define FRAUD_DEMO_H

#include "config.h"

/* Runs the subcommand in argv (argv[1] is "demo-data"); the database's
 * migrations must already be applied. Progress and the time taken go to
 * stderr. Borrows argv and cfg. Returns the exit status: 0 done, 1 failed,
 * 2 usage error. */
int demo_run(int argc, char **argv, const struct config *cfg);

#endif
