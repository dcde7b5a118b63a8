/*
 * The administration subcommands: `fraud-intake orgs ...` and
 * `fraud-intake keys ...`, run against the configured database.
 */
#ifndef FRAUD_CLI_H
#define FRAUD_CLI_H

#include "config.h"

/* Runs the subcommand in argv (argv[1] is "orgs" or "keys"); the
 * database's migrations must already be applied. Results go to stdout as
 * tab-separated lines, messages to stderr. Borrows argv and cfg. Returns
 * the exit status: 0 done, 1 refused or failed, 2 usage error. */
int cli_run(int argc, char **argv, const struct config *cfg);

#endif
