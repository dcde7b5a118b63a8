/*
 * Token buckets for per-key and per-address rate limits, in a table of
 * fixed size shared by every HTTP worker, and the header values that tell
 * a client where it stands. Time is passed in, so the arithmetic can be
 * tested without waiting.
 *
 * Headers follow draft-ietf-httpapi-ratelimit-headers-11 (May 2026):
 *   RateLimit-Policy: "<policy>";q=<quota>;w=<window seconds>
 *   RateLimit: "<policy>";r=<remaining>;t=<seconds>
 * A class's bucket holds `quota` requests and refills at quota/window per
 * second, so an empty bucket is full again after `window` seconds. t is
 * the seconds until the bucket is full again; on a refusal it is the
 * seconds until the next request is allowed, which is also Retry-After
 * (section 6: Retry-After must not point before the end of that window).
 *
 * Memory: the table is allocated once, at ratelimit_create, and never
 * grows; ratelimit_memory_max says how much: at most 104 bytes a slot (96
 * for the bucket, up to 8 for the hash index), so 100,000 slots take about
 * 10 MB. When every slot is taken, the bucket used least recently is
 * forgotten; a forgotten bucket that had not refilled yet starts full
 * again, so size the table above the number of distinct clients expected
 * within one window.
 */
#ifndef FRAUD_RATELIMIT_H
#define FRAUD_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest key: an API key prefix, or an IPv6 address in text (45). */
#define RATELIMIT_KEY_MAX    63
#define RATELIMIT_POLICY_MAX 32
#define RATELIMIT_QUOTA_MAX  1000000u
#define RATELIMIT_WINDOW_MAX 86400u
#define RATELIMIT_SLOTS_MAX  (1u << 24)

/* One kind of bucket (per role, or for anonymous addresses). Borrowed by
 * ratelimit_create, which copies it. */
struct ratelimit_class {
    const char *policy;     /* the name in the headers: 1-32 of [a-z0-9_-] */
    unsigned    quota;      /* q: requests a full bucket allows, 1..RATELIMIT_QUOTA_MAX */
    unsigned    window_s;   /* w: seconds from empty to full, 1..RATELIMIT_WINDOW_MAX */
};

/* The answer for one request. Plain data. */
struct ratelimit_verdict {
    bool     allowed;
    unsigned remaining;             /* r */
    unsigned reset_s;               /* t */
    unsigned retry_after_s;         /* Retry-After when refused, else 0 */
    char     policy_header[80];     /* the RateLimit-Policy field value */
    char     ratelimit_header[80];  /* the RateLimit field value */
};

struct ratelimit;

/* Returns a new table of `slots` buckets (1..RATELIMIT_SLOTS_MAX) for the
 * given classes (copied), or NULL when a class or the size is out of
 * range or memory is short. */
struct ratelimit *ratelimit_create(const struct ratelimit_class *classes, size_t class_count,
                                   size_t slots);

/* Frees the table; NULL is allowed. No call may be running on it. */
void ratelimit_destroy(struct ratelimit *limits);

/* Takes one request from the bucket of (class_index, key) at now_ms (any
 * monotonic millisecond clock; a time earlier than the bucket's last one
 * counts as no time passed) and fills *verdict. Thread-safe. Returns 0, or
 * -1 when the class does not exist or the key is empty or longer than
 * RATELIMIT_KEY_MAX. Borrows key. */
int ratelimit_take(struct ratelimit *limits, size_t class_index, const char *key, int64_t now_ms,
                   struct ratelimit_verdict *verdict);

/* How many buckets the table holds now (at most its slots). */
size_t ratelimit_count(struct ratelimit *limits);

/* The bytes ratelimit_create allocates for these sizes: all the table
 * will ever use. */
size_t ratelimit_memory_max(size_t class_count, size_t slots);

#endif
