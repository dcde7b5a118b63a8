/*
 * Police updates and their history. Every value travels as a parameter:
 * the members to set as one JSON object, appended indicators in the row
 * shapes of indicator_rows.h, history as one JSON array.
 */
#include "store/report_updates_store.h"

#include <stdio.h>
#include <stdlib.h>

#include "store/indicator_rows.h"

void
report_updates_store_state_free(struct report_updates_state *state)
{
    json_decref(state->report);
    state->report = NULL;
}

/* Reads the representation of report `id` (its links are in it). */
static enum store_status
read_state(struct db_conn *conn, const char *id, struct report_updates_state *state)
{
    const char *params[2] = {id, NULL};

    return db_run_json(conn, STMT_REPORT_GET, params, &state->report);
}

enum store_status
report_updates_store_lock(struct db_conn *conn, const char *id, const char *scope,
                          struct report_updates_state *state)
{
    const char       *params[2] = {id, scope};
    enum store_status status;
    PGresult         *res;

    state->report = NULL;
    status = db_begin(conn);
    if (status != STORE_OK)
        return status;
    res = db_run(conn, STMT_REPORT_UPDATES_LOCK, params, &status);
    if (res != NULL && PQntuples(res) == 0)
        status = STORE_NOT_FOUND;
    PQclear(res);
    /* A statement of its own, so its snapshot is taken after the lock was
     * granted: it sees what a concurrent update committed. */
    if (status == STORE_OK)
        status = read_state(conn, id, state);
    if (status != STORE_OK) {
        report_updates_store_state_free(state);
        db_rollback(conn);
    }
    return status;
}

/* The patch's related ids as a JSON array, null where an id was refused.
 * Returns a new string the caller frees, or NULL when out of memory. */
static char *
related_param(const struct report_patch *patch, bool with_refused)
{
    json_t *ids = json_array();
    char   *text;

    for (size_t i = 0; i < patch->related_count && ids != NULL; i++) {
        if (patch->related[i] == NULL && !with_refused)
            continue;
        if (json_array_append_new(ids, patch->related[i] != NULL
                                           ? json_string(patch->related[i]) : json_null()) != 0) {
            json_decref(ids);
            ids = NULL;
        }
    }
    text = ids != NULL ? json_dumps(ids, JSON_COMPACT) : NULL;
    json_decref(ids);
    return text;
}

enum store_status
report_updates_store_unknown_related(struct db_conn *conn, const struct report_patch *patch,
                                     const char *scope, size_t *unknown, size_t *unknown_count)
{
    char             *ids;
    const char       *params[2] = {NULL, scope};
    enum store_status status;
    PGresult         *res;

    *unknown_count = 0;
    if (patch->related_count == 0)
        return STORE_OK;
    ids = related_param(patch, true);
    if (ids == NULL)
        return STORE_FAILED;
    params[0] = ids;
    res = db_run(conn, STMT_REPORT_UPDATES_UNKNOWN, params, &status);
    free(ids);
    if (res == NULL)
        return status;
    for (int row = 0; row < PQntuples(res) && *unknown_count < patch->related_count; row++)
        unknown[(*unknown_count)++] = strtoul(PQgetvalue(res, row, 0), NULL, 10);
    PQclear(res);
    return STORE_OK;
}

static bool
names(const struct report_patch *patch, enum report_patch_member member)
{
    return (patch->named & (1u << member)) != 0;
}

/* Sets `column` to `value` (NULL: SQL NULL) when the patch names `member`. */
static void
set_text(json_t *set, const struct report_patch *patch, enum report_patch_member member,
         const char *column, const char *value)
{
    if (names(patch, member))
        json_object_set_new(set, column, value != NULL ? json_string(value) : json_null());
}

/* The columns to set, {"column": value or null}. Returns a new string
 * the caller frees, or NULL when out of memory. */
static char *
set_param(const struct report_patch *patch)
{
    const struct report *f = &patch->fields;
    json_t              *set = json_object();
    char                *text;

    if (set == NULL)
        return NULL;
    set_text(set, patch, REPORT_PATCH_STATUS, "status", patch->status);
    set_text(set, patch, REPORT_PATCH_SCAM_TYPE, "scam_type", f->scam_type);
    set_text(set, patch, REPORT_PATCH_STAGE, "stage", f->stage);
    set_text(set, patch, REPORT_PATCH_CHANNEL, "channel", f->channel);
    set_text(set, patch, REPORT_PATCH_IMPERSONATED, "impersonated", f->impersonated);
    set_text(set, patch, REPORT_PATCH_INFO_LEAK, "info_leak", f->info_leak);
    set_text(set, patch, REPORT_PATCH_OCCURRED_AT, "occurred_at", f->occurred_at);
    set_text(set, patch, REPORT_PATCH_REGION, "region", f->region);
    set_text(set, patch, REPORT_PATCH_LOCALITY, "locality", f->locality);
    set_text(set, patch, REPORT_PATCH_NARRATIVE, "narrative", f->narrative);
    set_text(set, patch, REPORT_PATCH_LOSS, "loss_currency",
             f->has_loss ? f->loss.currency : NULL);
    if (names(patch, REPORT_PATCH_LOSS))
        json_object_set_new(set, "loss_minor",
                            f->has_loss ? json_integer(f->loss.amount_minor) : json_null());
    if (names(patch, REPORT_PATCH_RECOVERED))
        json_object_set_new(set, "recovered_minor",
                            patch->has_recovered ? json_integer(patch->recovered.amount_minor)
                                                 : json_null());
    text = json_dumps(set, JSON_COMPACT);
    json_decref(set);
    return text;
}

/* Takes `list`, also when NULL. Returns a new string, or NULL. */
static char *
rows_text(json_t *list)
{
    char *text = list != NULL ? json_dumps(list, JSON_COMPACT) : NULL;

    json_decref(list);
    return text;
}

enum {
    PARAM_ID, PARAM_SET, PARAM_PHONES, PARAM_APPS, PARAM_ACCOUNTS, PARAM_URLS, PARAM_CHAT_IDS,
    PARAM_LINKS, PARAM_COUNT
};

enum store_status
report_updates_store_apply(struct db_conn *conn, const char *id,
                           const struct report_patch *patch, struct report_updates_state *after)
{
    const struct report *f = &patch->fields;
    char                *owned[PARAM_COUNT] = {
        NULL,
        set_param(patch),
        rows_text(indicator_rows_phones(f)),
        rows_text(indicator_rows_named(f->apps, f->app_count)),
        rows_text(indicator_rows_named(f->accounts, f->account_count)),
        rows_text(indicator_rows_urls(f)),
        rows_text(indicator_rows_named(f->chat_ids, f->chat_id_count)),
        related_param(patch, false),
    };
    const char          *params[PARAM_COUNT];
    enum store_status    status = STORE_FAILED;
    PGresult            *res;

    after->report = NULL;
    params[PARAM_ID] = id;
    for (int i = PARAM_SET; i < PARAM_COUNT; i++) {
        if (owned[i] == NULL)
            goto out;
        params[i] = owned[i];
    }
    res = db_run(conn, STMT_REPORT_UPDATES_APPLY, params, &status);
    if (res != NULL && strtol(PQgetvalue(res, 0, 0), NULL, 10) != 1)
        status = STORE_NOT_FOUND;
    PQclear(res);
    if (status == STORE_OK)
        status = read_state(conn, id, after);
    if (status != STORE_OK)
        report_updates_store_state_free(after);
out:
    for (int i = 0; i < PARAM_COUNT; i++)
        free(owned[i]);
    return status;
}

enum store_status
report_updates_store_commit(struct db_conn *conn, const char *id, long long version,
                            const char *actor, json_t *changes,
                            const struct audit_actor *audit)
{
    char             *changes_text = json_dumps(changes, JSON_COMPACT);
    char              version_text[24];
    const char       *params[4] = {id, version_text, actor, changes_text};
    enum store_status status = STORE_FAILED;

    snprintf(version_text, sizeof(version_text), "%lld", version);
    if (changes_text != NULL)
        PQclear(db_run(conn, STMT_REPORT_UPDATES_RECORD, params, &status));
    free(changes_text);
    if (status == STORE_OK)
        status = audit_store_add(conn, audit, "report.update", id, NULL);
    if (status == STORE_OK)
        status = db_commit(conn);
    if (status != STORE_OK)
        db_rollback(conn);
    return status;
}

void
report_updates_store_abandon(struct db_conn *conn)
{
    db_rollback(conn);
}

enum store_status
report_updates_store_history(struct db_conn *conn, const char *id, const char *scope,
                             json_t **history)
{
    const char *params[2] = {id, scope};

    return db_run_json(conn, STMT_REPORT_UPDATES_HISTORY, params, history);
}
