/*
 * Immutable code-list snapshots: sorted arrays searched with bsearch.
 * Built once by the store, then shared read-only between worker threads.
 */
#include "domain/vocab.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct vocab_entry {
    char *code;
    int   position;
};

struct vocab_list {
    struct vocab_entry *entries;
    unsigned            count;
    unsigned            capacity;
};

struct vocab {
    atomic_uint       refs;
    struct vocab_list lists[VOCAB_KIND_COUNT];
};

static const char *const kind_names[VOCAB_KIND_COUNT] = {
    [VOCAB_SOURCE] = "sources",
    [VOCAB_SCAM_TYPE] = "scam_types",
    [VOCAB_STAGE] = "stages",
    [VOCAB_CHANNEL] = "channels",
    [VOCAB_APP_ROLE] = "app_roles",
    [VOCAB_IMPERSONATED] = "impersonated_parties",
    [VOCAB_INFO_LEAK] = "info_leaks",
    [VOCAB_ACCOUNT_KIND] = "account_kinds",
    [VOCAB_AGE_BAND] = "age_bands",
    [VOCAB_GENDER] = "genders",
    [VOCAB_CURRENCY] = "currencies",
    [VOCAB_REGION] = "regions",
    [VOCAB_CASE_STATUS] = "case_statuses",
};

struct vocab *
vocab_new(void)
{
    struct vocab *vocab = calloc(1, sizeof(*vocab));

    if (vocab != NULL)
        atomic_init(&vocab->refs, 1);
    return vocab;
}

int
vocab_add(struct vocab *vocab, enum vocab_kind kind, const char *code, int position)
{
    struct vocab_list *list = &vocab->lists[kind];
    char              *copy;

    if (list->count == list->capacity) {
        unsigned            capacity = list->capacity ? list->capacity * 2 : 16;
        struct vocab_entry *grown = realloc(list->entries, capacity * sizeof(*grown));

        if (grown == NULL)
            return -1;
        list->entries = grown;
        list->capacity = capacity;
    }
    copy = strdup(code);
    if (copy == NULL)
        return -1;
    list->entries[list->count].code = copy;
    list->entries[list->count].position = position;
    list->count++;
    return 0;
}

static int
entry_compare(const void *a, const void *b)
{
    const struct vocab_entry *ea = a, *eb = b;

    return strcmp(ea->code, eb->code);
}

void
vocab_freeze(struct vocab *vocab)
{
    for (int kind = 0; kind < VOCAB_KIND_COUNT; kind++) {
        struct vocab_list *list = &vocab->lists[kind];

        if (list->count > 1)
            qsort(list->entries, list->count, sizeof(list->entries[0]), entry_compare);
    }
}

static const struct vocab_entry *
vocab_find(const struct vocab *vocab, enum vocab_kind kind, const char *code)
{
    const struct vocab_list *list = &vocab->lists[kind];
    struct vocab_entry       key = {.code = (char *)(uintptr_t)code};

    if (list->count == 0)
        return NULL;
    return bsearch(&key, list->entries, list->count, sizeof(key), entry_compare);
}

bool
vocab_has(const struct vocab *vocab, enum vocab_kind kind, const char *code)
{
    return vocab_find(vocab, kind, code) != NULL;
}

int
vocab_position(const struct vocab *vocab, enum vocab_kind kind, const char *code)
{
    const struct vocab_entry *entry = vocab_find(vocab, kind, code);

    return entry != NULL ? entry->position : -1;
}

unsigned
vocab_count(const struct vocab *vocab, enum vocab_kind kind)
{
    return vocab->lists[kind].count;
}

struct vocab *
vocab_ref(struct vocab *vocab)
{
    if (vocab != NULL)
        atomic_fetch_add(&vocab->refs, 1);
    return vocab;
}

void
vocab_unref(struct vocab *vocab)
{
    if (vocab == NULL || atomic_fetch_sub(&vocab->refs, 1) != 1)
        return;
    for (int kind = 0; kind < VOCAB_KIND_COUNT; kind++) {
        struct vocab_list *list = &vocab->lists[kind];

        for (unsigned i = 0; i < list->count; i++)
            free(list->entries[i].code);
        free(list->entries);
    }
    free(vocab);
}

const char *
vocab_kind_name(enum vocab_kind kind)
{
    return kind_names[kind];
}

int
vocab_kind_from_name(const char *name)
{
    for (int kind = 0; kind < VOCAB_KIND_COUNT; kind++)
        if (strcmp(kind_names[kind], name) == 0)
            return kind;
    return -1;
}
