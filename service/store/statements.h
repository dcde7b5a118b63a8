/*
 * Every SQL statement the service runs while serving, by name. Each is
 * prepared once per connection; input only ever travels as parameters.
 */
#ifndef FRAUD_STATEMENTS_H
#define FRAUD_STATEMENTS_H

enum statement {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_REPORT_INSERT,
    STMT_REPORT_GET,
    STMT_VOCAB_CODES,
    STMT_VOCAB_JSON,
    STMT_MIGRATIONS_APPLIED,
    STMT_COUNT
};

struct statement_def {
    const char *name;
    const char *sql;
    int         param_count;
};

/* The table, indexed by enum statement. */
extern const struct statement_def statements[STMT_COUNT];

#endif
