/*
 * phone_suite: phone_normalise() against the specification table
 * tests/data/phones.tsv, then the byte limit, texts that are not
 * NUL-terminated, and concurrent callers.
 */
#include "domain/phone.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "../testutil.h"

/* Fewer rows than this means the table was truncated or emptied. */
#define PHONE_MIN_ROWS   40
#define PHONE_THREADS    4
#define PHONE_ROUNDS     5

static const char phone_header[] =
    "raw\te164\tleading_plus\tinternational\tvalid\ttype\tregion";

/* One row of phones.tsv; the strings borrow from phone_table.text. */
struct phone_row {
    int         line;
    const char *raw;
    const char *e164;           /* "-": phone_normalise must return -1 */
    bool        leading_plus;
    bool        international;
    bool        valid;
    const char *type;
    const char *region;
};

struct phone_table {
    char             *text;
    struct phone_row *rows;
    size_t            count;
};

static bool
parse_bool(const char *field, int line, const char *column)
{
    ck_assert_msg(strcmp(field, "true") == 0 || strcmp(field, "false") == 0,
                  "phones.tsv:%d: %s is \"%s\", not true or false", line, column, field);
    return strcmp(field, "true") == 0;
}

/* Splits one tab-separated line (modified in place) into *row. */
static void
parse_row(char *line_text, int line, struct phone_row *row)
{
    char  *cursor = line_text;
    char  *fields[7];
    size_t n = 0;

    while (cursor != NULL && n < 7)
        fields[n++] = strsep(&cursor, "\t");
    ck_assert_msg(n == 7 && cursor == NULL,
                  "phones.tsv:%d: want 7 tab-separated fields", line);
    row->line = line;
    row->raw = fields[0];
    row->e164 = fields[1];
    row->leading_plus = parse_bool(fields[2], line, "leading_plus");
    row->international = parse_bool(fields[3], line, "international");
    row->valid = parse_bool(fields[4], line, "valid");
    row->type = fields[5];
    row->region = fields[6];
}

/* Fills *table from phones.tsv; release with table_free(). Comment lines
 * ('#') and blank lines are skipped; the first other line is the header. */
static void
table_load(struct phone_table *table)
{
    char  *cursor;
    char  *line_text;
    size_t lines = 1;
    int    line = 0;
    bool   seen_header = false;

    table->text = testutil_read_data("phones.tsv", NULL);
    for (const char *c = table->text; *c != '\0'; c++)
        lines += *c == '\n';
    table->rows = calloc(lines, sizeof(table->rows[0]));
    ck_assert(table->rows != NULL);
    table->count = 0;

    cursor = table->text;
    while ((line_text = strsep(&cursor, "\n")) != NULL) {
        line++;
        if (line_text[0] == '#' || (line_text[0] == '\0' && cursor == NULL))
            continue;
        if (!seen_header) {
            ck_assert_msg(strcmp(line_text, phone_header) == 0,
                          "phones.tsv:%d: the header must be \"%s\"", line, phone_header);
            seen_header = true;
            continue;
        }
        /* An empty raw text is a row ("\t-\t..."), so a truly empty line
         * inside the table is a mistake, not padding. */
        ck_assert_msg(line_text[0] != '\0', "phones.tsv:%d: empty line", line);
        parse_row(line_text, line, &table->rows[table->count++]);
    }
    ck_assert_msg(seen_header, "phones.tsv has no header line");
}

static void
table_free(struct phone_table *table)
{
    free(table->rows);
    free(table->text);
}

/* Returns true when *got is what row says; otherwise describes the first
 * difference in why. */
static bool
row_matches(const struct phone_row *row, int rc, const struct phone *got,
            char *why, size_t why_size)
{
    bool        rejected = strcmp(row->e164, "-") == 0;
    const char *want_e164 = rejected ? "" : row->e164;

    if (rc != (rejected ? -1 : 0)) {
        snprintf(why, why_size, "phones.tsv:%d \"%s\": returned %d, want %d",
                 row->line, row->raw, rc, rejected ? -1 : 0);
        return false;
    }
#define FIELD_DIFFERS(name, got_text, want_text)                                      \
    do {                                                                              \
        if (strcmp((got_text), (want_text)) != 0) {                                   \
            snprintf(why, why_size, "phones.tsv:%d \"%s\": %s is \"%s\", want \"%s\"", \
                     row->line, row->raw, (name), (got_text), (want_text));           \
            return false;                                                             \
        }                                                                             \
    } while (0)
#define BOOL_TEXT(b) ((b) ? "true" : "false")
    FIELD_DIFFERS("e164", got->e164, want_e164);
    FIELD_DIFFERS("leading_plus", BOOL_TEXT(got->leading_plus), BOOL_TEXT(row->leading_plus));
    FIELD_DIFFERS("international", BOOL_TEXT(got->international),
                  BOOL_TEXT(row->international));
    FIELD_DIFFERS("valid", BOOL_TEXT(got->valid), BOOL_TEXT(row->valid));
    FIELD_DIFFERS("type", got->type, row->type);
    FIELD_DIFFERS("region", got->region, row->region);
#undef BOOL_TEXT
#undef FIELD_DIFFERS
    return true;
}

START_TEST(test_table_rows)
{
    struct phone_table table;
    char               first[512] = "";
    size_t             mismatches = 0;

    table_load(&table);
    for (size_t i = 0; i < table.count; i++) {
        const struct phone_row *row = &table.rows[i];
        struct phone            got;
        char                    why[512];
        int                     rc = phone_normalise(row->raw, strlen(row->raw), &got);

        if (row_matches(row, rc, &got, why, sizeof(why)))
            continue;
        /* Every difference on stderr, the first in Check's message. */
        fprintf(stderr, "%s\n", why);
        if (mismatches++ == 0)
            snprintf(first, sizeof(first), "%s", why);
    }
    ck_assert_msg(mismatches == 0, "%zu of %zu rows differ; first: %s",
                  mismatches, table.count, first);
    table_free(&table);
}
END_TEST

START_TEST(test_table_is_not_empty)
{
    struct phone_table table;

    table_load(&table);
    ck_assert_msg(table.count >= PHONE_MIN_ROWS,
                  "phones.tsv has %zu rows, want at least %d", table.count, PHONE_MIN_ROWS);
    table_free(&table);
}
END_TEST

/* "+86", spaces, "13800000000": total bytes long, in a buffer of exactly
 * that size (no NUL), so ASan sees any read past len. */
static char *
padded_mobile(size_t total)
{
    char *raw = malloc(total);

    ck_assert(raw != NULL && total > 14);
    memset(raw, ' ', total);
    memcpy(raw, "+86", 3);
    memcpy(raw + total - 11, "13800000000", 11);
    return raw;
}

START_TEST(test_raw_length_limit)
{
    struct phone got;
    char        *at_limit = padded_mobile(PHONE_RAW_MAX);
    char        *over_limit = padded_mobile(PHONE_RAW_MAX + 1);

    ck_assert_int_eq(phone_normalise(at_limit, PHONE_RAW_MAX, &got), 0);
    ck_assert_str_eq(got.e164, "+8613800000000");

    ck_assert_int_eq(phone_normalise(over_limit, PHONE_RAW_MAX + 1, &got), -1);
    ck_assert_str_eq(got.e164, "");
    ck_assert_str_eq(got.type, "");
    ck_assert_msg(got.leading_plus, "leading_plus is reported even for a text too long");
    free(at_limit);
    free(over_limit);
}
END_TEST

START_TEST(test_len_is_honoured)
{
    static const char mobile[] = "13800000000";
    struct phone      got;
    char             *exact = malloc(sizeof(mobile) - 1);

    /* Exactly the digits, no NUL after them. */
    ck_assert(exact != NULL);
    memcpy(exact, mobile, sizeof(mobile) - 1);
    ck_assert_int_eq(phone_normalise(exact, sizeof(mobile) - 1, &got), 0);
    ck_assert_str_eq(got.e164, "+8613800000000");
    free(exact);

    /* What follows len would change the answer, so it must be ignored. */
    ck_assert_int_eq(phone_normalise("13800000000 ext. 12", 11, &got), 0);
    ck_assert_str_eq(got.e164, "+8613800000000");
    ck_assert_int_eq(phone_normalise("13800000000999", 11, &got), 0);
    ck_assert_str_eq(got.e164, "+8613800000000");
    ck_assert(got.valid);
    ck_assert_int_eq(phone_normalise("+86 138 0000 0000", 3, &got), -1);
    ck_assert(got.leading_plus);
    ck_assert_int_eq(phone_normalise("13800000000", 0, &got), -1);

    /* A NUL inside len is part of the text, and not a phone character. */
    ck_assert_int_eq(phone_normalise("138\0" "00000000", 11, &got), -1);
}
END_TEST

START_TEST(test_rejection_clears_result)
{
    struct phone got;

    ck_assert_int_eq(phone_normalise("+852 9123 4567", 14, &got), 0);
    ck_assert_int_eq(phone_normalise("1-800-FLOWERS", 13, &got), -1);
    ck_assert_str_eq(got.e164, "");
    ck_assert_str_eq(got.type, "");
    ck_assert_str_eq(got.region, "");
    ck_assert(!got.leading_plus && !got.international && !got.valid);
}
END_TEST

START_TEST(test_malformed_utf8)
{
    struct phone got;

    /* A stray byte, a truncated fullwidth digit, and '+' in an overlong
     * two-byte form (which must not count as a plus). */
    ck_assert_int_eq(phone_normalise("\xff" "13800000000", 12, &got), -1);
    ck_assert_int_eq(phone_normalise("13800000000\xef\xbc", 13, &got), -1);
    ck_assert_int_eq(phone_normalise("\xc0\xab" "8613800000000", 15, &got), -1);
    ck_assert(!got.leading_plus);
}
END_TEST

struct phone_worker {
    const struct phone_table *table;
    pthread_barrier_t        *start;
    size_t                    offset;           /* where this thread starts in the table */
    int                      *rcs;              /* per row, from the first round */
    struct phone             *results;
    size_t                    unstable;         /* later rounds that differed */
};

static bool
phone_equal(int rc_a, const struct phone *a, int rc_b, const struct phone *b)
{
    return rc_a == rc_b && strcmp(a->e164, b->e164) == 0 &&
           a->leading_plus == b->leading_plus && a->international == b->international &&
           a->valid == b->valid && strcmp(a->type, b->type) == 0 &&
           strcmp(a->region, b->region) == 0;
}

/* No Check assertions here: they belong to the test's own thread. */
static void *
phone_worker_run(void *arg)
{
    struct phone_worker      *worker = arg;
    const struct phone_table *table = worker->table;

    pthread_barrier_wait(worker->start);
    for (int round = 0; round < PHONE_ROUNDS; round++) {
        for (size_t k = 0; k < table->count; k++) {
            size_t                  i = (k + worker->offset) % table->count;
            const struct phone_row *row = &table->rows[i];
            struct phone            got;
            int                     rc = phone_normalise(row->raw, strlen(row->raw), &got);

            if (round == 0) {
                worker->rcs[i] = rc;
                worker->results[i] = got;
            } else if (!phone_equal(rc, &got, worker->rcs[i], &worker->results[i])) {
                worker->unstable++;
            }
        }
    }
    return NULL;
}

/* Under CK_FORK each test starts in a fresh child, so the threads also race
 * through libphonenumber's first-use initialisation. */
START_TEST(test_concurrent_callers)
{
    struct phone_table  table;
    struct phone_worker workers[PHONE_THREADS];
    pthread_t           threads[PHONE_THREADS];
    pthread_barrier_t   start;
    size_t              unstable = 0, disagreements = 0;

    table_load(&table);
    ck_assert_msg(table.count > 0, "phones.tsv has no rows");
    ck_assert(pthread_barrier_init(&start, NULL, PHONE_THREADS) == 0);
    for (size_t t = 0; t < PHONE_THREADS; t++) {
        workers[t] = (struct phone_worker){
            .table = &table,
            .start = &start,
            .offset = t * table.count / PHONE_THREADS,
            .rcs = calloc(table.count, sizeof(int)),
            .results = calloc(table.count, sizeof(struct phone)),
        };
        ck_assert(workers[t].rcs != NULL && workers[t].results != NULL);
        ck_assert(pthread_create(&threads[t], NULL, phone_worker_run, &workers[t]) == 0);
    }
    for (size_t t = 0; t < PHONE_THREADS; t++)
        ck_assert(pthread_join(threads[t], NULL) == 0);
    pthread_barrier_destroy(&start);

    /* Every thread must agree with a plain sequential call. */
    for (size_t i = 0; i < table.count; i++) {
        const struct phone_row *row = &table.rows[i];
        struct phone            want;
        int                     want_rc = phone_normalise(row->raw, strlen(row->raw), &want);

        for (size_t t = 0; t < PHONE_THREADS; t++) {
            if (!phone_equal(workers[t].rcs[i], &workers[t].results[i], want_rc, &want)) {
                fprintf(stderr, "phones.tsv:%d \"%s\": thread %zu differs\n",
                        row->line, row->raw, t);
                disagreements++;
            }
        }
    }
    for (size_t t = 0; t < PHONE_THREADS; t++) {
        unstable += workers[t].unstable;
        free(workers[t].rcs);
        free(workers[t].results);
    }
    ck_assert_msg(unstable == 0, "%zu answers changed between rounds", unstable);
    ck_assert_msg(disagreements == 0, "%zu threaded answers differ from sequential ones",
                  disagreements);
    table_free(&table);
}
END_TEST

Suite *
phone_suite(void)
{
    Suite *suite = suite_create("phone");
    TCase *table = tcase_create("table");
    TCase *limits = tcase_create("limits");
    TCase *threads = tcase_create("threads");

    tcase_add_test(table, test_table_is_not_empty);
    tcase_add_test(table, test_table_rows);
    suite_add_tcase(suite, table);

    tcase_add_test(limits, test_raw_length_limit);
    tcase_add_test(limits, test_len_is_honoured);
    tcase_add_test(limits, test_rejection_clears_result);
    tcase_add_test(limits, test_malformed_utf8);
    suite_add_tcase(suite, limits);

    /* Thousands of parses under ASan on a busy machine: more than Check's
     * default 4 s must not turn into a flaky failure. */
    tcase_set_timeout(threads, 30);
    tcase_add_test(threads, test_concurrent_callers);
    suite_add_tcase(suite, threads);
    return suite;
}
