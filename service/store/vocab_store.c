/*
 * Reading the reference tables through the vocabulary_codes view.
 */
#include "store/vocab_store.h"

#include <stdlib.h>
#include <string.h>

enum store_status
vocab_store_load(struct db_conn *conn, struct vocab **out)
{
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_VOCAB_CODES, NULL, &status);
    struct vocab     *vocab;

    *out = NULL;
    if (res == NULL)
        return status;
    vocab = vocab_new();
    for (int row = 0; vocab != NULL && row < PQntuples(res); row++) {
        int kind = vocab_kind_from_name(PQgetvalue(res, row, 0));

        /* A list this build does not know yet is someone else's: skip it. */
        if (kind < 0)
            continue;
        if (vocab_add(vocab, (enum vocab_kind)kind, PQgetvalue(res, row, 1),
                      atoi(PQgetvalue(res, row, 2))) != 0) {
            vocab_unref(vocab);
            vocab = NULL;
        }
    }
    PQclear(res);
    if (vocab == NULL)
        return STORE_FAILED;
    vocab_freeze(vocab);
    *out = vocab;
    return STORE_OK;
}

enum store_status
vocab_store_labels(struct db_conn *conn, json_t **out)
{
    return db_run_json(conn, STMT_VOCAB_JSON, NULL, out);
}
