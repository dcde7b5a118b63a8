/*
 * Synthetic reports for demonstrations and benchmarks. Everything comes
 * from one splitmix64 stream seeded by --seed, so a seed names a data set
 * (only occurred_at depends on when it runs: the D days end now).
 *
 * The mixes below are illustrative, shaped after what Chinese police
 * publish in general terms (order-brushing rebates and fake investment
 * lead, then fake customer service and fake loans), not taken from any one
 * statistic. Reports that stop before first_payment lose 0; the others
 * lose a log-normal amount (median 30,000 yuan; the normal is
 * Irwin-Hall's, so the tails end at 6 sigma). Phones, apps and the
 * accounts money was paid into come from pools reused with a Zipf-like
 * (1/rank) law, so a few are named by many reports and top-N lists mean
 * something.
 *
 * Reports are loaded in chunks, each one transaction of four COPYs
 * (reports, report_phones, report_apps, report_accounts): the
 * statement-level triggers of migrations/0013 then queue the chunk's trend
 * contributions once per COPY, not once per row. A trend worker
 * (service/trend_worker.c) applies the queue on a second connection while
 * the load runs, and demo-data applies what is left before it ends.
 * Reports come in the order they happened, as intake receives them, so
 * that each batch the trend worker applies covers a few hours only.
 * Every value written is generated here from fixed alphabets (no tab,
 * newline or backslash), so the COPY text needs no escaping.
 */
#include "demo.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/timestamp.h"
#include "janitor.h"
#include "store/db.h"
#include "store/rollups_store.h"
#include "trend_worker.h"

/* Reports per transaction: big enough that the per-COPY trigger
 * statements are amortised, small enough that a failure loses little. */
#define DEMO_CHUNK 50000
/* Median loss in fen (30,000 yuan) and the spread of its logarithm. */
#define DEMO_LOSS_MEDIAN_MINOR 3000000.0
#define DEMO_LOSS_SIGMA        1.3

static const char demo_copy_reports[] =
    "COPY reports (id, source, scam_type, stage, channel, region, occurred_at, reported_at,"
    " loss_minor, loss_currency) FROM STDIN";
static const char demo_copy_phones[] =
    "COPY report_phones (report_id, position, raw, e164, leading_plus, international, valid,"
    " number_type, number_region) FROM STDIN";
static const char demo_copy_apps[] =
    "COPY report_apps (report_id, position, name, role) FROM STDIN";
static const char demo_copy_accounts[] =
    "COPY report_accounts (report_id, position, kind, value) FROM STDIN";

struct weighted {
    const char *code;
    unsigned    weight;
};

static const struct weighted scam_types[] = {
    {"task_rebate", 30}, {"fake_investment", 20}, {"fake_customer_service", 12},
    {"fake_loan", 10}, {"impersonate_authority", 7}, {"fake_credit_repair", 6},
    {"impersonate_acquaintance", 5}, {"romance", 4}, {"game_trade", 3},
    {"impersonate_military_purchase", 1}, {"other", 2},
};
/* Where reports stop: fewer at each later step. */
static const struct weighted stages[] = {
    {"contact", 26}, {"pretext", 18}, {"channel_switch", 14}, {"remote_access", 11},
    {"credential_capture", 10}, {"first_payment", 12}, {"repeat_payment", 9},
};
static const struct weighted channels[] = {
    {"phone_call", 35}, {"chat_app", 25}, {"sms", 12}, {"social_media", 12}, {"web", 12},
    {"in_person", 4},
};
static const struct weighted sources[] = {{"victim", 75}, {"public", 25}};
static const struct weighted app_roles[] = {
    {"platform", 40}, {"chat", 30}, {"screen_share", 15}, {"payment", 10}, {"loan", 5},
};
static const struct weighted account_kinds[] = {
    {"bank_card", 60}, {"alipay", 20}, {"wechat_pay", 15}, {"digital_rmb", 5},
};
static const char *const app_stems[] = {
    "Zhongan Licai", "QuickTask", "HuiYing", "MeetNow", "JinFu Loan", "StarVest", "DianDian",
    "CloudShop Service", "YouLian", "TrustPay",
};

struct buffer {
    char  *data;
    size_t len, cap;
    bool   failed;
};

struct demo {
    uint64_t        state;
    long long       reports, days, seed;
    char          **prefectures;
    size_t          prefecture_count;
    size_t          phone_pool, app_pool, account_pool;
    /* ln(pool + 1) of the four pools, for zipf_rank. */
    double          log_phones, log_apps, log_accounts, log_prefectures;
    time_t          now;
    long long       made;   /* reports generated so far */
    struct buffer   rows, phones, apps, accounts;
};

static uint64_t
next_u64(struct demo *d)
{
    uint64_t z = (d->state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
next_unit(struct demo *d)
{
    return (double)(next_u64(d) >> 11) * 0x1.0p-53;
}

static const char *
pick(struct demo *d, const struct weighted *table, size_t count)
{
    unsigned total = 0, at;

    for (size_t i = 0; i < count; i++)
        total += table[i].weight;
    at = (unsigned)(next_unit(d) * total);
    for (size_t i = 0; i < count; i++) {
        if (at < table[i].weight)
            return table[i].code;
        at -= table[i].weight;
    }
    return table[count - 1].code;
}

#define PICK(d, table) pick((d), (table), sizeof(table) / sizeof((table)[0]))

/* e^x for |x| <= 32: Taylor series of e^(x/32), squared five times.
 * Enough for amounts and ranks, and the service links no libm. */
static double
demo_exp(double x)
{
    double r = x / 32.0, term = 1.0, sum = 1.0;

    for (int k = 1; k <= 14; k++) {
        term *= r / k;
        sum += term;
    }
    for (int k = 0; k < 5; k++)
        sum *= sum;
    return sum;
}

/* ln(a) for a >= 1, by Newton's method on e^y = a from the bit length. */
static double
demo_log(double a)
{
    double y = 0.69314718 * (double)(64 - __builtin_clzll((unsigned long long)a | 1));

    for (int i = 0; i < 60; i++)
        y = y - 1.0 + a / demo_exp(y);
    return y;
}

/* Close to a standard normal (Irwin-Hall: twelve uniforms), within +-6. */
static double
next_gauss(struct demo *d)
{
    double sum = 0.0;

    for (int i = 0; i < 12; i++)
        sum += next_unit(d);
    return sum - 6.0;
}

/* A rank in [0, pool) with probability about 1/(rank+1): e^(u ln(pool+1)),
 * u uniform, is log-uniform on [1, pool+1). log_pool is ln(pool+1). */
static size_t
zipf_rank(struct demo *d, size_t pool, double log_pool)
{
    size_t rank = (size_t)demo_exp(next_unit(d) * log_pool) - 1;

    return rank < pool ? rank : pool - 1;
}

static void
put(struct buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buffer *b, const char *fmt, ...)
{
    va_list ap;
    int     n;

    if (b->failed)
        return;
    if (b->cap - b->len < 512) {
        size_t cap = b->cap != 0 ? 2 * b->cap : 1 << 20;
        char  *grown = realloc(b->data, cap);

        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->failed = true;
    else
        b->len += (size_t)n;
}

static void
format_uuid(struct demo *d, char out[37])
{
    uint64_t hi = next_u64(d), lo = next_u64(d);

    hi = (hi & ~0xf000ull) | 0x4000ull;                     /* version 4 */
    lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* RFC 4122 variant */
    snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
             hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & (uint64_t)0xffffffffffff);
}

static void
format_time(time_t t, char out[32])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%S+00", &tm);
}

/* The mobile number of pool rank `rank`: a fixed scramble of the rank, so
 * the numbers look unrelated but the same rank is always the same number. */
static void
phone_of(const struct demo *d, size_t rank, char out[16])
{
    static const char *const prefixes[] = {"138", "139", "150", "158", "171", "176", "186",
                                           "189", "199"};
    uint64_t mixed = ((uint64_t)rank + 1) * 0x9e3779b97f4a7c15u ^ (uint64_t)d->seed;

    snprintf(out, 16, "%s%08" PRIu64, prefixes[mixed % 9], (mixed >> 8) % 100000000u);
}

/* The account of pool rank `rank`, scrambled like phone_of: a 16-digit
 * UnionPay-like card number; its kind is drawn per report, as victims name
 * the same account under different kinds. */
static void
account_of(const struct demo *d, size_t rank, char out[20])
{
    uint64_t mixed = ((uint64_t)rank + 1) * 0xbf58476d1ce4e5b9u ^ (uint64_t)d->seed;

    snprintf(out, 20, "62%014" PRIu64, mixed % 100000000000000u);
}

/* Only paid reports name the account the money went to. */
static void
add_indicators(struct demo *d, const char *id, bool paid)
{
    char national[16], account[20];

    if (next_unit(d) < 0.7) {
        phone_of(d, zipf_rank(d, d->phone_pool, d->log_phones), national);
        put(&d->phones, "%s\t1\t%s\t+86%s\tf\tf\tt\tmobile\tCN\n", id, national, national);
    }
    if (next_unit(d) < 0.5) {
        size_t      rank = zipf_rank(d, d->app_pool, d->log_apps);
        size_t      stems = sizeof(app_stems) / sizeof(app_stems[0]);
        const char *role = PICK(d, app_roles);

        if (rank < stems)
            put(&d->apps, "%s\t1\t%s\t%s\n", id, app_stems[rank], role);
        else
            put(&d->apps, "%s\t1\t%s %zu\t%s\n", id, app_stems[rank % stems], rank, role);
    }
    if (paid && next_unit(d) < 0.6) {
        const char *kind = PICK(d, account_kinds);

        account_of(d, zipf_rank(d, d->account_pool, d->log_accounts), account);
        put(&d->accounts, "%s\t1\t%s\t%s\n", id, kind, account);
    }
}

/* When the next report happened: a random point of the next of `reports`
 * equal slices of the D days that end now. Uniform over the days, as one
 * draw over all of them would be, but in order. */
static time_t
next_time(struct demo *d)
{
    double span_s = (double)d->days * 86400.0;
    double done = ((double)d->made++ + next_unit(d)) / (double)d->reports;

    return d->now - (time_t)(span_s * (1.0 - done));
}

/* One report row and its indicator rows. The draws are made one per
 * statement, in a fixed order (the order of a call's arguments is not), so
 * that a seed gives the same reports in every build. */
static void
add_report(struct demo *d)
{
    char        id[37], occurred[32], reported[32];
    const char *source = PICK(d, sources);
    const char *scam_type = PICK(d, scam_types);
    const char *stage = PICK(d, stages);
    const char *channel = PICK(d, channels);
    size_t      region = zipf_rank(d, d->prefecture_count, d->log_prefectures);
    bool        paid = strcmp(stage, "first_payment") == 0
                || strcmp(stage, "repeat_payment") == 0;
    time_t      at = next_time(d);
    time_t      later = at + (time_t)(next_unit(d) * 72 * 3600.0);
    double      loss = paid ? DEMO_LOSS_MEDIAN_MINOR * demo_exp(DEMO_LOSS_SIGMA * next_gauss(d))
                            : 0.0;

    if (strcmp(stage, "repeat_payment") == 0)
        loss *= 2.5;
    if (loss > 1e12)
        loss = 1e12;
    format_uuid(d, id);
    format_time(at, occurred);
    format_time(later < d->now ? later : d->now, reported);
    /* The rank is scattered over the code list, so the busiest
     * prefectures are not simply the first codes (7919 is prime). */
    put(&d->rows, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\tCNY\n", id, source, scam_type, stage,
        channel, d->prefectures[region * 7919 % d->prefecture_count], occurred, reported, loss);
    add_indicators(d, id, paid);
}

static enum store_status
copy_buffer(struct db_conn *conn, const char *sql, struct buffer *b)
{
    enum store_status status = b->failed ? STORE_FAILED : db_copy_begin(conn, sql);

    if (status == STORE_OK)
        status = db_copy_put(conn, b->data, b->len);
    if (status == STORE_OK)
        status = db_copy_end(conn, NULL);
    else if (!b->failed)
        db_copy_end(conn, "demo-data failed");
    b->len = 0;
    return status;
}

static enum store_status
load_chunk(struct db_conn *conn, struct demo *d, long long count)
{
    enum store_status status;

    for (long long i = 0; i < count; i++)
        add_report(d);
    status = db_begin(conn);
    if (status == STORE_OK)
        status = copy_buffer(conn, demo_copy_reports, &d->rows);
    if (status == STORE_OK)
        status = copy_buffer(conn, demo_copy_phones, &d->phones);
    if (status == STORE_OK)
        status = copy_buffer(conn, demo_copy_apps, &d->apps);
    if (status == STORE_OK)
        status = copy_buffer(conn, demo_copy_accounts, &d->accounts);
    if (status == STORE_OK)
        status = db_commit(conn);
    if (status != STORE_OK)
        db_rollback(conn);
    return status;
}

static enum store_status
load_prefectures(struct db_conn *conn, struct demo *d)
{
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_DEMO_PREFECTURES, NULL, &status);
    size_t            n = res != NULL ? (size_t)PQntuples(res) : 0;

    if (res == NULL)
        return status;
    d->prefectures = n != 0 ? calloc(n, sizeof(*d->prefectures)) : NULL;
    for (size_t i = 0; d->prefectures != NULL && i < n; i++) {
        d->prefectures[i] = strdup(PQgetvalue(res, (int)i, 0));
        if (d->prefectures[i] == NULL)
            break;
        d->prefecture_count++;
    }
    PQclear(res);
    d->log_prefectures = demo_log((double)d->prefecture_count + 1.0);
    return n != 0 && d->prefecture_count == n ? STORE_OK : STORE_FAILED;
}

static void
demo_free(struct demo *d)
{
    for (size_t i = 0; i < d->prefecture_count; i++)
        free(d->prefectures[i]);
    free(d->prefectures);
    free(d->rows.data);
    free(d->phones.data);
    free(d->apps.data);
    free(d->accounts.data);
}

static int
parse_args(int argc, char **argv, struct demo *d)
{
    d->days = 365;
    d->seed = 1;
    d->reports = -1;
    for (int i = 2; i + 1 < argc; i += 2) {
        char      *end;
        long long  value = strtoll(argv[i + 1], &end, 10);
        long long *slot = strcmp(argv[i], "--reports") == 0 ? &d->reports
                        : strcmp(argv[i], "--days") == 0    ? &d->days
                        : strcmp(argv[i], "--seed") == 0    ? &d->seed
                                                            : NULL;

        if (slot == NULL || *end != '\0' || end == argv[i + 1] || value < 0)
            return -1;
        *slot = value;
    }
    return argc % 2 == 0 && d->reports > 0 && d->days > 0 ? 0 : -1;
}

static int
load(struct db_conn *conn, struct demo *d)
{
    struct timespec start;
    double          took;

    if (load_prefectures(conn, d) != STORE_OK) {
        fputs("fraud-intake: cannot read the regions table\n", stderr);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long long done = 0; done < d->reports; done += DEMO_CHUNK) {
        long long count = d->reports - done < DEMO_CHUNK ? d->reports - done : DEMO_CHUNK;

        if (load_chunk(conn, d, count) != STORE_OK) {
            fprintf(stderr, "fraud-intake: demo-data failed after %lld reports\n", done);
            return 1;
        }
        if (d->reports > DEMO_CHUNK)
            fprintf(stderr, "demo-data: %lld reports\n", done + count);
    }
    took = timestamp_seconds_since(&start);
    fprintf(stderr, "demo-data: %lld reports in %.1f s (%.0f reports/s)\n", d->reports, took,
            (double)d->reports / (took > 0 ? took : 1e-9));
    return 0;
}

/* Applies what is left of the trend queue, so that the rollups hold all
 * the reports when demo-data exits. */
static int
drain(struct db *db)
{
    struct timespec start;
    long            applied;
    double          took;

    clock_gettime(CLOCK_MONOTONIC, &start);
    applied = trend_worker_drain(db);
    took = timestamp_seconds_since(&start);
    if (applied < 0) {
        fputs("fraud-intake: demo-data could not apply the trend rollups\n", stderr);
        return 1;
    }
    fprintf(stderr, "demo-data: the last %ld queued trend rows applied in %.1f s\n", applied,
            took);
    return 0;
}

/* Rebuilds the rollup indexes the load left too large, as a serving
 * janitor would at its next round: a load through the queue updates every
 * rollup row of its months many times. */
static int
reindex(struct db *db, unsigned percent)
{
    struct timespec   start;
    struct db_conn   *conn;
    enum store_status status;
    long              rebuilt;

    if (percent == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* The estimate needs statistics, which autovacuum may not have
     * gathered yet. */
    conn = db_acquire(db);
    status = conn != NULL ? rollups_store_analyze(conn) : STORE_UNAVAILABLE;
    db_release(db, conn);
    rebuilt = status == STORE_OK ? janitor_reindex(db, percent, JANITOR_REINDEX_MIN_BYTES) : -1;
    if (rebuilt < 0) {
        fputs("fraud-intake: demo-data could not analyze or rebuild the rollup indexes\n",
              stderr);
        return 1;
    }
    fprintf(stderr, "demo-data: rollups analyzed and %ld of their indexes rebuilt in %.1f s\n",
            rebuilt, timestamp_seconds_since(&start));
    return 0;
}

int
demo_generate(struct db_conn *conn, long long reports, long long days, long long seed)
{
    struct demo d = {.reports = reports, .days = days, .seed = seed};
    int         exit_status;

    d.state = (uint64_t)d.seed;
    d.now = time(NULL);
    d.phone_pool = (size_t)(d.reports / 20 > 100 ? d.reports / 20 : 100);
    d.app_pool = (size_t)(d.reports / 200 > 50 ? d.reports / 200 : 50);
    d.account_pool = (size_t)(d.reports / 40 > 100 ? d.reports / 40 : 100);
    d.log_phones = demo_log((double)d.phone_pool + 1.0);
    d.log_apps = demo_log((double)d.app_pool + 1.0);
    d.log_accounts = demo_log((double)d.account_pool + 1.0);
    exit_status = load(conn, &d);
    demo_free(&d);
    return exit_status;
}

int
demo_run(int argc, char **argv, const struct config *cfg)
{
    struct demo     d = {0};
    struct db      *db;
    struct db_conn *conn;
    struct trend_worker *worker;
    int             exit_status;

    if (parse_args(argc, argv, &d) != 0) {
        fputs("usage: fraud-intake demo-data --reports N [--days D] [--seed S]\n", stderr);
        return 2;
    }
    /* A bulk load may take minutes: no statement timeout. Two connections:
     * one loads while the other applies the trend queue, as the worker of
     * a serving instance would. */
    db = db_create(cfg->database_url, 2, cfg->db_connect_timeout_ms, 0);
    conn = db != NULL ? db_acquire(db) : NULL;
    if (conn == NULL) {
        fputs("fraud-intake: cannot connect to the database\n", stderr);
        db_destroy(db);
        return 1;
    }
    worker = trend_worker_start(db, cfg->trend_apply_interval_ms);
    exit_status = demo_generate(conn, d.reports, d.days, d.seed);
    trend_worker_stop(worker);
    db_release(db, conn);
    if (exit_status == 0)
        exit_status = drain(db);
    if (exit_status == 0)
        exit_status = reindex(db, cfg->rollup_reindex_percent);
    db_destroy(db);
    return exit_status;
}
