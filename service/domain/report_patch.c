/*
 * Police updates. Each member a patch may name is described once (what it
 * is, which report rule reads it); the reading itself is report.c's and
 * money.c's, so a correction is held to exactly the rules of POST.
 */
#include "domain/report_patch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum patch_kind {
    PATCH_SET,          /* a report member, corrected with POST's rules */
    PATCH_STATUS,       /* the case status, a case_statuses code */
    PATCH_RECOVERED,    /* money recovered, {"amount", "currency"} */
    PATCH_APPEND,       /* items appended to a report list */
    PATCH_RELATED,      /* ids of reports to link to */
    PATCH_READ_ONLY,    /* a report member no update may set */
};

struct patch_member {
    const char     *name;
    enum patch_kind kind;
    int             member;         /* enum report_patch_member, or -1 */
    bool            clearable;      /* JSON null clears it */
    /* PATCH_SET, PATCH_APPEND: the report member whose rules apply.
     * PATCH_READ_ONLY: why it cannot be set. */
    const char     *text;
};

static const struct patch_member patch_members[] = {
    {"status", PATCH_STATUS, REPORT_PATCH_STATUS, false, NULL},
    {"scam_type", PATCH_SET, REPORT_PATCH_SCAM_TYPE, false, "scam_type"},
    {"stage", PATCH_SET, REPORT_PATCH_STAGE, false, "stage"},
    {"channel", PATCH_SET, REPORT_PATCH_CHANNEL, true, "channel"},
    {"impersonated", PATCH_SET, REPORT_PATCH_IMPERSONATED, true, "impersonated"},
    {"info_leak", PATCH_SET, REPORT_PATCH_INFO_LEAK, true, "info_leak"},
    {"occurred_at", PATCH_SET, REPORT_PATCH_OCCURRED_AT, true, "occurred_at"},
    {"region", PATCH_SET, REPORT_PATCH_REGION, true, "region"},
    {"locality", PATCH_SET, REPORT_PATCH_LOCALITY, true, "locality"},
    {"narrative", PATCH_SET, REPORT_PATCH_NARRATIVE, true, "narrative"},
    {"loss", PATCH_SET, REPORT_PATCH_LOSS, true, "loss"},
    {"recovered", PATCH_RECOVERED, REPORT_PATCH_RECOVERED, true, NULL},
    {"add_phones", PATCH_APPEND, -1, true, "phones"},
    {"add_apps", PATCH_APPEND, -1, true, "apps"},
    {"add_accounts", PATCH_APPEND, -1, true, "accounts"},
    {"add_urls", PATCH_APPEND, -1, true, "urls"},
    {"add_chat_ids", PATCH_APPEND, -1, true, "chat_ids"},
    {"related", PATCH_RELATED, -1, true, NULL},
    {"id", PATCH_READ_ONLY, -1, false, "is assigned by the service"},
    {"source", PATCH_READ_ONLY, -1, false, "cannot change once the report is filed"},
    {"reported_at", PATCH_READ_ONLY, -1, false, "is set by the service when the report arrives"},
    {"version", PATCH_READ_ONLY, -1, false,
     "is kept by the service; send the version you read as If-Match"},
    {"phones", PATCH_READ_ONLY, -1, false, "is never replaced; send new items in add_phones"},
    {"apps", PATCH_READ_ONLY, -1, false, "is never replaced; send new items in add_apps"},
    {"accounts", PATCH_READ_ONLY, -1, false,
     "is never replaced; send new items in add_accounts"},
    {"urls", PATCH_READ_ONLY, -1, false, "is never replaced; send new items in add_urls"},
    {"chat_ids", PATCH_READ_ONLY, -1, false,
     "is never replaced; send new items in add_chat_ids"},
    {"victim", PATCH_READ_ONLY, -1, false, "cannot be changed by an update"},
    {"case_number", PATCH_READ_ONLY, -1, false, "cannot be changed by an update"},
    {"station", PATCH_READ_ONLY, -1, false, "cannot be changed by an update"},
};

/* Report lists and the patch member that appends to each. */
static const char *const appended_lists[][2] = {
    {"phones", "add_phones"}, {"apps", "add_apps"}, {"accounts", "add_accounts"},
    {"urls", "add_urls"},     {"chat_ids", "add_chat_ids"},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define BIT(member)  (1u << (member))

struct patch_read {
    const struct vocab  *vocab;
    int64_t              now_s;
    struct violations   *errs;
    struct report_patch *patch;
};

static size_t
problems(const struct violations *errs)
{
    return errs->count + errs->dropped;
}

static const struct patch_member *
find_patch_member(const char *name)
{
    for (size_t i = 0; i < COUNT(patch_members); i++)
        if (strcmp(patch_members[i].name, name) == 0)
            return &patch_members[i];
    return NULL;
}

static int
read_related(json_t *value, const char *pointer, struct patch_read *ctx)
{
    struct report_patch *patch = ctx->patch;
    char                 item[VIOLATION_POINTER_MAX];

    if (!json_is_array(value)) {
        violations_add(ctx->errs, pointer, "type", "must be an array of report ids");
        return 0;
    }
    if (json_array_size(value) > REPORT_PATCH_LINKS_MAX) {
        violations_add(ctx->errs, pointer, "too_long", "must have at most %d items",
                       REPORT_PATCH_LINKS_MAX);
        return 0;
    }
    if (json_array_size(value) == 0)
        return 0;
    patch->related = calloc(json_array_size(value), sizeof(patch->related[0]));
    if (patch->related == NULL)
        return -1;
    patch->related_count = json_array_size(value);
    for (size_t i = 0; i < patch->related_count; i++) {
        json_t *id = json_array_get(value, i);

        violations_pointer_index(item, sizeof(item), pointer, i);
        if (!json_is_string(id))
            violations_add(ctx->errs, item, "type", "must be a report id (a UUID string)");
        else if (!report_is_id(json_string_value(id)))
            violations_add(ctx->errs, item, "format",
                           "must be a report id such as 0b6f3e0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        else
            patch->related[i] = json_string_value(id);
    }
    return 0;
}

/* Reads the value of a member the patch may set. Returns -1 only when out
 * of memory. */
static int
read_value(const struct patch_member *m, json_t *value, const char *pointer,
           struct patch_read *ctx)
{
    struct report_patch *patch = ctx->patch;

    switch (m->kind) {
    case PATCH_SET:
        return report_parse_member(m->text, value, pointer, ctx->vocab, ctx->now_s,
                                   &patch->fields, ctx->errs);
    case PATCH_STATUS:
        patch->status = report_parse_code(value, pointer, VOCAB_CASE_STATUS, ctx->vocab,
                                          ctx->errs);
        return 0;
    case PATCH_RECOVERED:
        patch->has_recovered =
            money_parse(value, pointer, ctx->vocab, &patch->recovered, ctx->errs) == 0;
        return 0;
    case PATCH_APPEND:
    case PATCH_RELATED:
    case PATCH_READ_ONLY:
        break;
    }
    return 0;
}

static int
read_patch_member(const struct patch_member *m, json_t *value, const char *pointer,
                  struct patch_read *ctx)
{
    struct report_patch *patch = ctx->patch;
    size_t               before = problems(ctx->errs);

    switch (m->kind) {
    case PATCH_READ_ONLY:
        violations_add(ctx->errs, pointer, "read_only", "%s", m->text);
        return 0;
    case PATCH_APPEND:
        /* Null has nothing to add; merge patch would have cleared the list. */
        return report_parse_member(m->text, value, pointer, ctx->vocab, ctx->now_s,
                                   &patch->fields, ctx->errs);
    case PATCH_RELATED:
        return json_is_null(value) ? 0 : read_related(value, pointer, ctx);
    case PATCH_SET:
    case PATCH_STATUS:
    case PATCH_RECOVERED:
        break;
    }
    patch->named |= BIT(m->member);
    if (json_is_null(value)) {
        if (!m->clearable)
            violations_add(ctx->errs, pointer, "required",
                           "cannot be removed; send a new value instead");
    } else if (read_value(m, value, pointer, ctx) != 0) {
        return -1;
    }
    if (problems(ctx->errs) != before)
        patch->invalid |= BIT(m->member);
    return 0;
}

int
report_patch_parse(json_t *doc, const struct vocab *vocab, int64_t now_s,
                   struct report_patch *out, struct violations *errs)
{
    struct patch_read ctx = {vocab, now_s, errs, out};
    char        pointer[VIOLATION_POINTER_MAX];
    const char *key;
    json_t     *value;

    memset(out, 0, sizeof(*out));
    out->fields.doc = json_incref(doc);
    if (!json_is_object(doc)) {
        violations_add(errs, "", "type", "must be an object (a JSON Merge Patch)");
        return -1;
    }
    json_object_foreach(doc, key, value) {
        const struct patch_member *m = find_patch_member(key);

        violations_pointer(pointer, sizeof(pointer), "", key);
        if (m == NULL) {
            violations_add(errs, pointer, "unknown_field", "is not a member an update may send");
            continue;
        }
        if (read_patch_member(m, value, pointer, &ctx) != 0) {
            violations_add(errs, "", "internal", "out of memory");
            return -1;
        }
    }
    return problems(errs) == 0 ? 0 : -1;
}

static bool
sets(const struct report_patch *patch, enum report_patch_member member)
{
    return (patch->named & BIT(member)) != 0 && (patch->invalid & BIT(member)) == 0;
}

static void
check_stage(const struct report_patch *patch, const json_t *current, const struct vocab *vocab,
            struct violations *errs)
{
    const char *stored = json_string_value(json_object_get(current, "stage"));
    int         from, to;

    if (!sets(patch, REPORT_PATCH_STAGE) || stored == NULL)
        return;
    from = vocab_position(vocab, VOCAB_STAGE, stored);
    to = vocab_position(vocab, VOCAB_STAGE, patch->fields.stage);
    if (from >= 0 && to < from)
        violations_add(errs, "/stage", "stage_regression",
                       "cannot move back from %s: a report records the furthest stage reached",
                       stored);
}

static void
check_lists(const struct report_patch *patch, const json_t *current, struct violations *errs)
{
    for (size_t i = 0; i < COUNT(appended_lists); i++) {
        json_t *added = json_object_get(patch->fields.doc, appended_lists[i][1]);
        size_t  stored = json_array_size(json_object_get(current, appended_lists[i][0]));
        char    pointer[32];

        /* Not an array, or over the cap alone: already refused. */
        if (!json_is_array(added) || json_array_size(added) > REPORT_LIST_MAX)
            continue;
        if (stored + json_array_size(added) <= REPORT_LIST_MAX)
            continue;
        violations_pointer(pointer, sizeof(pointer), "", appended_lists[i][1]);
        violations_add(errs, pointer, "too_long",
                       "the report has %zu %s; with these it would have more than %d", stored,
                       appended_lists[i][0], REPORT_LIST_MAX);
    }
}

/* An amount of money as the report will have it: absent, or minor units
 * of a currency. */
struct amount {
    bool        present;
    int64_t     minor;
    const char *currency;
};

static struct amount
stored_amount(const json_t *money)
{
    struct amount amount = {false, 0, NULL};

    if (json_is_object(money)) {
        amount.present = true;
        amount.minor = json_integer_value(json_object_get(money, "amount"));
        amount.currency = json_string_value(json_object_get(money, "currency"));
    }
    return amount;
}

static struct amount
patched_amount(bool present, const struct money *money)
{
    struct amount amount = {present, present ? money->amount_minor : 0,
                            present ? money->currency : NULL};

    return amount;
}

/* Recovered money must be in the loss's currency and not more than the
 * loss, whichever of the two the patch changes. The problem is reported
 * on recovered when the patch sets it, else on the loss that broke it. */
static void
check_money(const struct report_patch *patch, const json_t *current, struct violations *errs)
{
    bool          sets_recovered = (patch->named & BIT(REPORT_PATCH_RECOVERED)) != 0;
    const char   *base = sets_recovered ? "/recovered" : "/loss";
    char          pointer[32];
    struct amount loss, recovered;

    if ((patch->invalid & (BIT(REPORT_PATCH_LOSS) | BIT(REPORT_PATCH_RECOVERED))) != 0
        || (patch->named & (BIT(REPORT_PATCH_LOSS) | BIT(REPORT_PATCH_RECOVERED))) == 0)
        return;
    loss = sets(patch, REPORT_PATCH_LOSS)
               ? patched_amount(patch->fields.has_loss, &patch->fields.loss)
               : stored_amount(json_object_get(current, "loss"));
    recovered = sets_recovered ? patched_amount(patch->has_recovered, &patch->recovered)
                               : stored_amount(json_object_get(current, "recovered"));
    if (!recovered.present)
        return;
    if (!loss.present) {
        violations_add(errs, base, "loss_required",
                       sets_recovered ? "needs a loss: the report states none"
                                      : "cannot be removed while an amount recovered is recorded");
        return;
    }
    snprintf(pointer, sizeof(pointer), "%s/currency", base);
    if (loss.currency == NULL || recovered.currency == NULL
        || strcmp(loss.currency, recovered.currency) != 0) {
        violations_add(errs, pointer, "currency_mismatch",
                       "the loss is in %s and the amount recovered in %s; they must match",
                       loss.currency != NULL ? loss.currency : "-",
                       recovered.currency != NULL ? recovered.currency : "-");
        return;
    }
    snprintf(pointer, sizeof(pointer), "%s/amount", base);
    if (recovered.minor > loss.minor)
        violations_add(errs, pointer, "range",
                       "the amount recovered (%lld) must not be more than the loss (%lld)",
                       (long long)recovered.minor, (long long)loss.minor);
}

static bool
listed(const json_t *links, const char *id)
{
    for (size_t i = 0; i < json_array_size(links); i++) {
        const char *linked = json_string_value(json_array_get(links, i));

        if (linked != NULL && strcasecmp(linked, id) == 0)
            return true;
    }
    return false;
}

static bool
sent_earlier(const struct report_patch *patch, size_t index)
{
    for (size_t i = 0; i < index; i++)
        if (patch->related[i] != NULL && strcasecmp(patch->related[i], patch->related[index]) == 0)
            return true;
    return false;
}

static void
check_links(const struct report_patch *patch, const json_t *links, const char *id,
            struct violations *errs)
{
    char   pointer[VIOLATION_POINTER_MAX];
    size_t fresh = 0;

    for (size_t i = 0; i < patch->related_count; i++) {
        if (patch->related[i] == NULL)
            continue;
        if (strcasecmp(patch->related[i], id) == 0) {
            violations_pointer_index(pointer, sizeof(pointer), "/related", i);
            violations_add(errs, pointer, "self_link", "a report cannot be linked to itself");
        } else if (!listed(links, patch->related[i]) && !sent_earlier(patch, i)) {
            fresh++;
        }
    }
    if (json_array_size(links) + fresh > REPORT_PATCH_LINKS_MAX)
        violations_add(errs, "/related", "too_long",
                       "the report is linked to %zu reports; with these it would be more than %d",
                       json_array_size(links), REPORT_PATCH_LINKS_MAX);
}

int
report_patch_check(const struct report_patch *patch, const json_t *current,
                   const json_t *links, const char *id, const struct vocab *vocab,
                   struct violations *errs)
{
    size_t before = problems(errs);

    check_stage(patch, current, vocab, errs);
    check_lists(patch, current, errs);
    check_money(patch, current, errs);
    check_links(patch, links, id, errs);
    return problems(errs) == before ? 0 : -1;
}

void
report_patch_release(struct report_patch *patch)
{
    free(patch->related);
    report_release(&patch->fields);
    memset(patch, 0, sizeof(*patch));
}

/* Appends {"field", "old", "new"} to changes. Borrows the values. */
static int
add_change(json_t *changes, const char *field, json_t *old_value, json_t *new_value)
{
    return json_array_append_new(changes, json_pack("{s:s, s:O, s:O}", "field", field, "old",
                                                    old_value, "new", new_value));
}

/* Whether `after` is `before` with items added at its end. */
static bool
appended_to(const json_t *before, const json_t *after)
{
    if (!json_is_array(before) || !json_is_array(after)
        || json_array_size(after) <= json_array_size(before))
        return false;
    for (size_t i = 0; i < json_array_size(before); i++)
        if (!json_equal(json_array_get(before, i), json_array_get(after, i)))
            return false;
    return true;
}

/* One change for `key`: the appended items one by one, else the member
 * as a whole. Returns 0, or -1 when out of memory. */
static int
add_member_changes(json_t *changes, const char *key, json_t *old_value, json_t *new_value)
{
    char field[VIOLATION_POINTER_MAX];
    char item[VIOLATION_POINTER_MAX];

    violations_pointer(field, sizeof(field), "", key);
    if (!appended_to(old_value, new_value))
        return add_change(changes, field, old_value != NULL ? old_value : json_null(), new_value);
    for (size_t i = json_array_size(old_value); i < json_array_size(new_value); i++) {
        violations_pointer_index(item, sizeof(item), field, i);
        if (add_change(changes, item, json_null(), json_array_get(new_value, i)) != 0)
            return -1;
    }
    return 0;
}

json_t *
report_patch_changes(json_t *before, json_t *after)
{
    json_t     *changes = json_array();
    const char *key;
    json_t     *new_value;

    if (changes == NULL)
        return NULL;
    json_object_foreach(after, key, new_value) {
        json_t *old_value = json_object_get(before, key);

        if (strcmp(key, "version") == 0 || (old_value != NULL && json_equal(old_value, new_value)))
            continue;
        if (add_member_changes(changes, key, old_value, new_value) != 0) {
            json_decref(changes);
            return NULL;
        }
    }
    return changes;
}
