/*
 * apikey_suite: the key format and its randomness, apikey_parse_bearer()
 * against the table tests/data/bearer.tsv, and SHA-256 and the
 * constant-time comparison against known answers.
 */
#include "domain/apikey.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "../testutil.h"

/* Fewer rows than this means the table was truncated or emptied. */
#define BEARER_MIN_ROWS      20
#define BEARER_MIN_EACH      3
#define GENERATED_KEYS       1000

static const char bearer_header[] = "header\texpect\tprefix";
static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* One row of bearer.tsv. value is a new buffer of exactly len bytes (no
 * NUL after it, so ASan catches a read past the end); NULL for "(none)". */
struct bearer_row {
    int               line;
    char             *value;
    size_t            len;
    enum apikey_parse expect;
    char              prefix[APIKEY_PREFIX_LEN + 1];
};

struct bearer_table {
    char              *text;
    struct bearer_row *rows;
    size_t             count;
    size_t             per_result[3];
};

/* Undoes the escapes of the header column (\t \r \n \0 \\) into a new
 * buffer of exactly the decoded length. */
static char *
unescape(const char *field, int line, size_t *len)
{
    size_t in_len = strlen(field);
    char  *out = malloc(in_len > 0 ? in_len : 1);
    size_t n = 0;

    ck_assert(out != NULL);
    for (size_t i = 0; i < in_len; i++) {
        char c = field[i];

        if (c == '\\') {
            ck_assert_msg(i + 1 < in_len, "bearer.tsv:%d: a lone backslash at the end", line);
            c = field[++i];
            ck_assert_msg(strchr("trn0\\", c) != NULL, "bearer.tsv:%d: unknown escape \\%c",
                          line, c);
            c = c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n' : c == '0' ? '\0' : '\\';
        }
        out[n++] = c;
    }
    *len = n;
    return out;
}

static enum apikey_parse
parse_expect(const char *field, int line)
{
    if (strcmp(field, "ok") == 0)
        return APIKEY_PARSE_OK;
    if (strcmp(field, "missing") == 0)
        return APIKEY_PARSE_MISSING;
    ck_assert_msg(strcmp(field, "malformed") == 0,
                  "bearer.tsv:%d: expect is \"%s\", not ok, missing or malformed", line, field);
    return APIKEY_PARSE_MALFORMED;
}

static void
parse_row(char *line_text, int line, struct bearer_row *row)
{
    char  *cursor = line_text;
    char  *fields[3];
    size_t n = 0;

    while (cursor != NULL && n < 3)
        fields[n++] = strsep(&cursor, "\t");
    ck_assert_msg(n == 3 && cursor == NULL, "bearer.tsv:%d: want 3 tab-separated fields", line);
    row->line = line;
    row->expect = parse_expect(fields[1], line);
    ck_assert_msg((row->expect == APIKEY_PARSE_OK) == (strcmp(fields[2], "-") != 0),
                  "bearer.tsv:%d: a prefix goes with ok, and only with ok", line);
    ck_assert_msg(strlen(fields[2]) < sizeof(row->prefix), "bearer.tsv:%d: prefix too long",
                  line);
    strcpy(row->prefix, fields[2]);
    row->value = strcmp(fields[0], "(none)") == 0 ? NULL : unescape(fields[0], line, &row->len);
    if (row->value == NULL)
        row->len = 0;
}

static void
table_load(struct bearer_table *table)
{
    char  *cursor;
    char  *line_text;
    size_t lines = 1;
    int    line = 0;
    bool   seen_header = false;

    memset(table, 0, sizeof(*table));
    table->text = testutil_read_data("bearer.tsv", NULL);
    for (const char *c = table->text; *c != '\0'; c++)
        lines += *c == '\n';
    table->rows = calloc(lines, sizeof(table->rows[0]));
    ck_assert(table->rows != NULL);
    cursor = table->text;
    while ((line_text = strsep(&cursor, "\n")) != NULL) {
        line++;
        if (line_text[0] == '#' || (line_text[0] == '\0' && cursor == NULL))
            continue;
        if (!seen_header) {
            ck_assert_msg(strcmp(line_text, bearer_header) == 0,
                          "bearer.tsv:%d: the header must be \"%s\"", line, bearer_header);
            seen_header = true;
            continue;
        }
        parse_row(line_text, line, &table->rows[table->count]);
        table->per_result[table->rows[table->count].expect]++;
        table->count++;
    }
    ck_assert_msg(seen_header, "bearer.tsv has no header line");
}

static void
table_free(struct bearer_table *table)
{
    for (size_t i = 0; i < table->count; i++)
        free(table->rows[i].value);
    free(table->rows);
    free(table->text);
}

static const char *
parse_name(enum apikey_parse result)
{
    return result == APIKEY_PARSE_OK ? "ok" : result == APIKEY_PARSE_MISSING ? "missing"
                                                                               : "malformed";
}

START_TEST(test_table_is_not_empty)
{
    struct bearer_table table;

    table_load(&table);
    ck_assert_msg(table.count >= BEARER_MIN_ROWS, "bearer.tsv has %zu rows, want >= %d",
                  table.count, BEARER_MIN_ROWS);
    for (int r = 0; r < 3; r++)
        ck_assert_msg(table.per_result[r] >= BEARER_MIN_EACH,
                      "bearer.tsv has %zu %s rows, want >= %d", table.per_result[r],
                      parse_name((enum apikey_parse)r), BEARER_MIN_EACH);
    table_free(&table);
}
END_TEST

/* Every row: the result, and on ok the prefix and the key as sent; on
 * anything else *out is left alone. */
START_TEST(test_table_rows)
{
    struct bearer_table table;
    size_t              mismatches = 0;
    char                first[512] = "";

    table_load(&table);
    for (size_t i = 0; i < table.count; i++) {
        const struct bearer_row *row = &table.rows[i];
        struct apikey_bearer     out;
        struct apikey_bearer     untouched;
        enum apikey_parse        got;
        char                     why[512] = "";

        memset(&out, 0x5a, sizeof(out));
        memcpy(&untouched, &out, sizeof(out));
        got = apikey_parse_bearer(row->value, row->len, &out);
        if (got != row->expect)
            snprintf(why, sizeof(why), "bearer.tsv:%d: got %s, want %s", row->line,
                     parse_name(got), parse_name(row->expect));
        else if (got != APIKEY_PARSE_OK && memcmp(&out, &untouched, sizeof(out)) != 0)
            snprintf(why, sizeof(why), "bearer.tsv:%d: refused but wrote *out", row->line);
        else if (got == APIKEY_PARSE_OK && strcmp(out.prefix, row->prefix) != 0)
            snprintf(why, sizeof(why), "bearer.tsv:%d: prefix %.20s, want %s", row->line,
                     out.prefix, row->prefix);
        else if (got == APIKEY_PARSE_OK
                 && (strlen(out.key) != APIKEY_LEN
                     || memcmp(out.key, row->value + 7, APIKEY_LEN) != 0))
            snprintf(why, sizeof(why), "bearer.tsv:%d: key is not the one sent", row->line);
        if (why[0] == '\0')
            continue;
        fprintf(stderr, "%s\n", why);
        if (mismatches++ == 0)
            snprintf(first, sizeof(first), "%s", why);
    }
    table_free(&table);
    ck_assert_msg(mismatches == 0, "%zu rows differ; first: %s", mismatches, first);
}
END_TEST

/* A 1 MiB header is refused by its length, without reading past it. */
START_TEST(test_huge_header)
{
    const size_t         len = 1 << 20;
    char                *value = malloc(len);
    struct apikey_bearer out;

    ck_assert(value != NULL);
    memset(value, 'a', len);
    memcpy(value, "Bearer fi_", 10);
    ck_assert_int_eq(apikey_parse_bearer(value, len, &out), APIKEY_PARSE_MALFORMED);
    free(value);
}
END_TEST

static void
assert_key_format(const struct apikey_new *key)
{
    const char *secret = key->key + 4 + APIKEY_PREFIX_LEN;

    ck_assert_uint_eq(strlen(key->key), APIKEY_LEN);
    ck_assert_uint_eq(strlen(key->prefix), APIKEY_PREFIX_LEN);
    ck_assert_msg(strncmp(key->key, "fi_", 3) == 0, "key %s does not start with fi_",
                  key->prefix);
    ck_assert(memcmp(key->key + 3, key->prefix, APIKEY_PREFIX_LEN) == 0);
    ck_assert_int_eq(key->key[3 + APIKEY_PREFIX_LEN], '_');
    ck_assert_uint_eq(strspn(key->prefix, base32_alphabet), APIKEY_PREFIX_LEN);
    ck_assert_uint_eq(strspn(secret, base32_alphabet), APIKEY_SECRET_LEN);
}

/* A made key has the format, reads back through the header parser, and
 * carries the SHA-256 of its own text. */
START_TEST(test_generate_format)
{
    struct apikey_new    key;
    struct apikey_bearer presented;
    unsigned char        hash[APIKEY_HASH_LEN];
    char                 header[7 + APIKEY_LEN];

    ck_assert_int_eq(apikey_generate(&key), 0);
    assert_key_format(&key);
    memcpy(header, "Bearer ", 7);
    memcpy(header + 7, key.key, APIKEY_LEN);
    ck_assert_int_eq(apikey_parse_bearer(header, sizeof(header), &presented), APIKEY_PARSE_OK);
    ck_assert_str_eq(presented.prefix, key.prefix);
    ck_assert_str_eq(presented.key, key.key);
    ck_assert_int_eq(apikey_hash(key.key, APIKEY_LEN, hash), 0);
    ck_assert(memcmp(hash, key.hash, APIKEY_HASH_LEN) == 0);
    ck_assert(apikey_verify(&presented, key.hash));
    apikey_wipe(&key);
    for (size_t i = 0; i < sizeof(key); i++)
        ck_assert_msg(((const unsigned char *)&key)[i] == 0, "byte %zu survived the wipe", i);
}
END_TEST

static int
compare_text(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* 1,000 keys: every key and every prefix differs, each parses, and the
 * last secret character takes both of its two possible values (a, q),
 * which a stuck padding bit or a constant tail would not. */
START_TEST(test_generate_unique)
{
    char (*keys)[APIKEY_LEN + 1] = calloc(GENERATED_KEYS, sizeof(*keys));
    char (*prefixes)[APIKEY_PREFIX_LEN + 1] = calloc(GENERATED_KEYS, sizeof(*prefixes));
    unsigned last_a = 0, last_q = 0;

    ck_assert(keys != NULL && prefixes != NULL);
    for (size_t i = 0; i < GENERATED_KEYS; i++) {
        struct apikey_new key;
        char              last;

        ck_assert_int_eq(apikey_generate(&key), 0);
        assert_key_format(&key);
        last = key.key[APIKEY_LEN - 1];
        ck_assert_msg(last == 'a' || last == 'q', "last character %c carries padding bits",
                      last);
        last_a += last == 'a';
        last_q += last == 'q';
        strcpy(keys[i], key.key);
        strcpy(prefixes[i], key.prefix);
        apikey_wipe(&key);
    }
    qsort(keys, GENERATED_KEYS, sizeof(keys[0]), compare_text);
    qsort(prefixes, GENERATED_KEYS, sizeof(prefixes[0]), compare_text);
    for (size_t i = 1; i < GENERATED_KEYS; i++) {
        ck_assert_msg(strcmp(keys[i - 1], keys[i]) != 0, "a key was made twice");
        ck_assert_msg(strcmp(prefixes[i - 1], prefixes[i]) != 0, "prefix %s was made twice",
                      prefixes[i]);
    }
    ck_assert_msg(last_a > 0 && last_q > 0, "last characters: %u a, %u q", last_a, last_q);
    free(keys);
    free(prefixes);
}
END_TEST

static void
hex(const unsigned char *bytes, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02x", bytes[i]);
}

/* FIPS 180-2 examples, computed independently of this code. */
START_TEST(test_hash_known_answers)
{
    unsigned char hash[APIKEY_HASH_LEN];
    char          text[2 * APIKEY_HASH_LEN + 1];

    ck_assert_int_eq(apikey_hash("abc", 3, hash), 0);
    hex(hash, sizeof(hash), text);
    ck_assert_str_eq(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(apikey_hash("", 0, hash), 0);
    hex(hash, sizeof(hash), text);
    ck_assert_str_eq(text, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_int_eq(apikey_hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                                 hash), 0);
    hex(hash, sizeof(hash), text);
    ck_assert_str_eq(text, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_hash_equal)
{
    unsigned char a[APIKEY_HASH_LEN];
    unsigned char b[APIKEY_HASH_LEN];

    ck_assert_int_eq(apikey_hash("abc", 3, a), 0);
    memcpy(b, a, sizeof(a));
    ck_assert(apikey_hash_equal(a, b));
    b[0] ^= 0x01;
    ck_assert(!apikey_hash_equal(a, b));
    b[0] ^= 0x01;
    b[APIKEY_HASH_LEN - 1] ^= 0x80;
    ck_assert(!apikey_hash_equal(a, b));
}
END_TEST

/* The right key matches its hash; another key, or no stored hash at all
 * (an unknown prefix), does not. */
START_TEST(test_verify)
{
    struct apikey_new    key, other;
    struct apikey_bearer presented;

    ck_assert_int_eq(apikey_generate(&key), 0);
    ck_assert_int_eq(apikey_generate(&other), 0);
    strcpy(presented.key, key.key);
    strcpy(presented.prefix, key.prefix);
    ck_assert(apikey_verify(&presented, key.hash));
    ck_assert(!apikey_verify(&presented, other.hash));
    ck_assert(!apikey_verify(&presented, NULL));
    /* Same prefix, one secret character changed. */
    presented.key[20] = presented.key[20] == 'a' ? 'b' : 'a';
    ck_assert(!apikey_verify(&presented, key.hash));
    apikey_wipe(&key);
    apikey_wipe(&other);
}
END_TEST

Suite *
apikey_suite(void)
{
    Suite *suite = suite_create("apikey");
    TCase *table = tcase_create("bearer");
    TCase *keys = tcase_create("keys");
    TCase *hashes = tcase_create("hash");

    tcase_add_test(table, test_table_is_not_empty);
    tcase_add_test(table, test_table_rows);
    tcase_add_test(table, test_huge_header);
    tcase_add_test(keys, test_generate_format);
    tcase_add_test(keys, test_generate_unique);
    tcase_add_test(hashes, test_hash_known_answers);
    tcase_add_test(hashes, test_hash_equal);
    tcase_add_test(hashes, test_verify);
    suite_add_tcase(suite, table);
    suite_add_tcase(suite, keys);
    suite_add_tcase(suite, hashes);
    return suite;
}
