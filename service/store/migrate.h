/*
 * Schema migrations: numbered plain SQL files applied in order, each in its
 * own transaction, recorded with a checksum in schema_migrations.
 */
#ifndef FRAUD_MIGRATE_H
#define FRAUD_MIGRATE_H

/* Applies every file of `dir` ("0001_name.sql" ...) not applied yet,
 * holding a PostgreSQL advisory lock so concurrent starters take turns,
 * and refuses (-1, with the file named in the log) when an applied file
 * has changed since. Waits up to wait_s seconds for the database to come
 * up. Returns the number of migration files on disk, or -1. */
int migrate_run(const char *conninfo, const char *dir, unsigned wait_s);

#endif
