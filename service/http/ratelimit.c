/*
 * The token-bucket table: a fixed array of buckets, found through a hash
 * index, kept in least-recently-used order for eviction, behind one mutex
 * (a take is a few dozen instructions; the lock is never held for I/O).
 *
 * Tokens are counted in units of 1/(window in ms) of a token, so refilling
 * is exact integer arithmetic: every millisecond adds `quota` units, and a
 * request takes window_ms units.
 */
#include "http/ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct class_def {
    char     policy[RATELIMIT_POLICY_MAX + 1];
    int64_t  quota;
    int64_t  window_ms;
};

struct bucket {
    char     key[RATELIMIT_KEY_MAX + 1];
    int64_t  units;
    int64_t  last_ms;
    uint32_t class_index;
    uint32_t hash_next;
    uint32_t lru_prev;      /* towards the most recently used */
    uint32_t lru_next;      /* towards the least recently used */
};

struct ratelimit {
    pthread_mutex_t   lock;
    struct class_def *classes;
    size_t            class_count;
    struct bucket    *buckets;
    uint32_t          slots;
    uint32_t          used;         /* buckets[0..used) have been handed out */
    uint32_t         *heads;        /* hash index: first bucket of each chain */
    uint32_t          head_mask;
    uint32_t          lru_first;    /* most recently used */
    uint32_t          lru_last;     /* least recently used: evicted first */
};

static size_t
heads_for(size_t slots)
{
    size_t heads = 1;

    while (heads < slots)
        heads <<= 1;
    return heads;
}

size_t
ratelimit_memory_max(size_t class_count, size_t slots)
{
    return sizeof(struct ratelimit) + class_count * sizeof(struct class_def)
         + slots * sizeof(struct bucket) + heads_for(slots) * sizeof(uint32_t);
}

static bool
is_policy_name(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;

    return len >= 1 && len <= RATELIMIT_POLICY_MAX
        && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static bool
class_ok(const struct ratelimit_class *c)
{
    return is_policy_name(c->policy) && c->quota >= 1 && c->quota <= RATELIMIT_QUOTA_MAX
        && c->window_s >= 1 && c->window_s <= RATELIMIT_WINDOW_MAX;
}

struct ratelimit *
ratelimit_create(const struct ratelimit_class *classes, size_t class_count, size_t slots)
{
    struct ratelimit *limits;

    if (class_count == 0 || slots == 0 || slots > RATELIMIT_SLOTS_MAX)
        return NULL;
    for (size_t i = 0; i < class_count; i++)
        if (!class_ok(&classes[i]))
            return NULL;
    limits = calloc(1, sizeof(*limits));
    if (limits == NULL)
        return NULL;
    limits->classes = calloc(class_count, sizeof(limits->classes[0]));
    limits->buckets = calloc(slots, sizeof(limits->buckets[0]));
    limits->heads = malloc(heads_for(slots) * sizeof(limits->heads[0]));
    if (limits->classes == NULL || limits->buckets == NULL || limits->heads == NULL) {
        free(limits->classes);
        free(limits->buckets);
        free(limits->heads);
        free(limits);
        return NULL;
    }
    for (size_t i = 0; i < class_count; i++) {
        snprintf(limits->classes[i].policy, sizeof(limits->classes[i].policy), "%s",
                 classes[i].policy);
        limits->classes[i].quota = classes[i].quota;
        limits->classes[i].window_ms = (int64_t)classes[i].window_s * 1000;
    }
    limits->class_count = class_count;
    limits->slots = (uint32_t)slots;
    limits->head_mask = (uint32_t)heads_for(slots) - 1;
    for (uint32_t i = 0; i <= limits->head_mask; i++)
        limits->heads[i] = NIL;
    limits->lru_first = limits->lru_last = NIL;
    pthread_mutex_init(&limits->lock, NULL);
    return limits;
}

void
ratelimit_destroy(struct ratelimit *limits)
{
    if (limits == NULL)
        return;
    pthread_mutex_destroy(&limits->lock);
    free(limits->classes);
    free(limits->buckets);
    free(limits->heads);
    free(limits);
}

size_t
ratelimit_count(struct ratelimit *limits)
{
    size_t used;

    pthread_mutex_lock(&limits->lock);
    used = limits->used;
    pthread_mutex_unlock(&limits->lock);
    return used;
}

/* FNV-1a over the class index and the key. */
static uint32_t
hash_of(size_t class_index, const char *key)
{
    uint64_t hash = UINT64_C(14695981039346656037) ^ class_index;

    hash *= UINT64_C(1099511628211);
    for (const unsigned char *c = (const unsigned char *)key; *c != '\0'; c++) {
        hash ^= *c;
        hash *= UINT64_C(1099511628211);
    }
    return (uint32_t)(hash ^ (hash >> 32));
}

static void
lru_unlink(struct ratelimit *limits, uint32_t index)
{
    struct bucket *b = &limits->buckets[index];

    if (b->lru_prev != NIL)
        limits->buckets[b->lru_prev].lru_next = b->lru_next;
    else
        limits->lru_first = b->lru_next;
    if (b->lru_next != NIL)
        limits->buckets[b->lru_next].lru_prev = b->lru_prev;
    else
        limits->lru_last = b->lru_prev;
}

static void
lru_push_first(struct ratelimit *limits, uint32_t index)
{
    struct bucket *b = &limits->buckets[index];

    b->lru_prev = NIL;
    b->lru_next = limits->lru_first;
    if (limits->lru_first != NIL)
        limits->buckets[limits->lru_first].lru_prev = index;
    limits->lru_first = index;
    if (limits->lru_last == NIL)
        limits->lru_last = index;
}

/* Removes bucket `index` from its hash chain. */
static void
chain_unlink(struct ratelimit *limits, uint32_t index)
{
    const struct bucket *b = &limits->buckets[index];
    uint32_t            *link = &limits->heads[hash_of(b->class_index, b->key) & limits->head_mask];

    while (*link != index)
        link = &limits->buckets[*link].hash_next;
    *link = b->hash_next;
}

/* A bucket for a new (class, key): a slot never used yet, else the least
 * recently used one, forgotten. Returns its index, linked nowhere. */
static uint32_t
bucket_claim(struct ratelimit *limits)
{
    uint32_t index;

    if (limits->used < limits->slots)
        return limits->used++;
    index = limits->lru_last;
    lru_unlink(limits, index);
    chain_unlink(limits, index);
    return index;
}

/* Returns the bucket of (class_index, key), made full at now_ms when it
 * was not in the table, and marks it most recently used. */
static struct bucket *
bucket_find(struct ratelimit *limits, size_t class_index, const char *key, int64_t now_ms)
{
    uint32_t      *head = &limits->heads[hash_of(class_index, key) & limits->head_mask];
    uint32_t       index = *head;
    struct bucket *b;

    while (index != NIL && (limits->buckets[index].class_index != class_index
                            || strcmp(limits->buckets[index].key, key) != 0))
        index = limits->buckets[index].hash_next;
    if (index != NIL) {
        lru_unlink(limits, index);
    } else {
        const struct class_def *c = &limits->classes[class_index];

        index = bucket_claim(limits);
        b = &limits->buckets[index];
        snprintf(b->key, sizeof(b->key), "%s", key);
        b->class_index = (uint32_t)class_index;
        b->units = c->quota * c->window_ms;
        b->last_ms = now_ms;
        b->hash_next = *head;
        *head = index;
    }
    lru_push_first(limits, index);
    return &limits->buckets[index];
}

static int64_t
ceil_div(int64_t numerator, int64_t denominator)
{
    return (numerator + denominator - 1) / denominator;
}

/* Refills b up to now_ms, takes one request if there is one, and says how
 * it stands. Called with the lock held. */
static void
bucket_take(const struct class_def *c, struct bucket *b, int64_t now_ms,
            struct ratelimit_verdict *verdict)
{
    const int64_t full = c->quota * c->window_ms;

    if (now_ms > b->last_ms) {
        int64_t elapsed_ms = now_ms - b->last_ms;

        /* Past one window the bucket is full whatever it held; capping
         * first also keeps the product below overflow. */
        b->units = elapsed_ms >= c->window_ms ? full : b->units + elapsed_ms * c->quota;
        if (b->units > full)
            b->units = full;
        b->last_ms = now_ms;
    }
    verdict->allowed = b->units >= c->window_ms;
    if (verdict->allowed)
        b->units -= c->window_ms;
    verdict->remaining = (unsigned)(b->units / c->window_ms);
    if (verdict->allowed) {
        verdict->retry_after_s = 0;
        verdict->reset_s = (unsigned)ceil_div(ceil_div(full - b->units, c->quota), 1000);
    } else {
        int64_t next_ms = ceil_div(c->window_ms - b->units, c->quota);

        verdict->retry_after_s = (unsigned)ceil_div(next_ms, 1000);
        verdict->reset_s = verdict->retry_after_s;
    }
}

int
ratelimit_take(struct ratelimit *limits, size_t class_index, const char *key, int64_t now_ms,
               struct ratelimit_verdict *verdict)
{
    size_t                  key_len = key != NULL ? strlen(key) : 0;
    const struct class_def *c;

    if (class_index >= limits->class_count || key_len == 0 || key_len > RATELIMIT_KEY_MAX)
        return -1;
    c = &limits->classes[class_index];
    pthread_mutex_lock(&limits->lock);
    bucket_take(c, bucket_find(limits, class_index, key, now_ms), now_ms, verdict);
    pthread_mutex_unlock(&limits->lock);
    snprintf(verdict->policy_header, sizeof(verdict->policy_header), "\"%s\";q=%lld;w=%lld",
             c->policy, (long long)c->quota, (long long)(c->window_ms / 1000));
    snprintf(verdict->ratelimit_header, sizeof(verdict->ratelimit_header), "\"%s\";r=%u;t=%u",
             c->policy, verdict->remaining, verdict->reset_s);
    return 0;
}
