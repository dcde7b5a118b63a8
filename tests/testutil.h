/*
 * Helpers shared by the suites: where the table-driven data lives, the
 * environment the test script hands over.
 */
#ifndef FRAUD_TESTUTIL_H
#define FRAUD_TESTUTIL_H

#include <stddef.h>

/* Returns a new string "<FRAUD_TEST_DATA or tests/data>/<rel>"; caller frees. */
char *testutil_data_path(const char *rel);

/* Returns a new string with the whole file at the data-relative path, its
 * length in *len when len is not NULL; aborts the test when unreadable. */
char *testutil_read_data(const char *rel, size_t *len);

/* Returns the value of a required environment variable (borrowed);
 * fails the running test when it is unset, so a suite never passes by
 * silently doing nothing. */
const char *testutil_env(const char *name);

/* Returns a new NULL-terminated array of the entry names in the
 * data-relative folder `rel` that end with `suffix` (NULL: any), sorted,
 * without names starting with '.', and their number in *count; aborts the
 * test when the folder is unreadable. Caller frees with
 * testutil_free_list(). */
char **testutil_list_data(const char *rel, const char *suffix, size_t *count);

/* Returns how many entries testutil_list_data(rel, suffix, ...) would
 * list, 0 when the folder is unreadable. Never fails a test, so a suite
 * can size a loop test with it while it is being built. */
size_t testutil_count_data(const char *rel, const char *suffix);

/* Frees a list returned by testutil_list_data; NULL is allowed. */
void testutil_free_list(char **list);

#endif
