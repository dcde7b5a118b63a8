/*
 * violations_suite: the list of problems a 422 carries: JSON Pointers
 * escaped as RFC 6901 says, bounded buffers that stay valid strings when
 * cut, and the count of problems past VIOLATIONS_MAX.
 */
#include "domain/violations.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"

/* Bytes after the buffer under test that must stay untouched. */
#define CANARY_BYTES 32
#define CANARY       0x5a

/* Whether s is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF): what a JSON body may carry. */
static bool
is_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        unsigned int code;
        int          more;

        if (p[0] < 0x80) {
            p++;
            continue;
        } else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
            code = p[0] & 0x1f;
            more = 1;
        } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
            code = p[0] & 0x0f;
            more = 2;
        } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
            code = p[0] & 0x07;
            more = 3;
        } else {
            return false;
        }
        for (int i = 1; i <= more; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            code = (code << 6) | (p[i] & 0x3f);
        }
        if ((more == 2 && code < 0x800) || (more == 3 && (code < 0x10000 || code > 0x10ffff))
            || (code >= 0xd800 && code <= 0xdfff))
            return false;
        p += more + 1;
    }
    return true;
}

static void
assert_pointer(const char *base, const char *token, const char *want)
{
    char out[VIOLATION_POINTER_MAX];

    violations_pointer(out, sizeof(out), base, token);
    ck_assert_msg(strcmp(out, want) == 0, "base \"%s\" token \"%s\": \"%s\", want \"%s\"", base,
                  token, out, want);
}

START_TEST(test_init_empty)
{
    struct violations v;

    memset(&v, 0xff, sizeof(v));
    violations_init(&v);
    ck_assert_uint_eq(v.count, 0);
    ck_assert_uint_eq(v.dropped, 0);
}
END_TEST

START_TEST(test_add_records_item)
{
    struct violations v;
    static const char code[] = "range";

    violations_init(&v);
    violations_add(&v, "/loss/amount", code, "must be an integer from 0 to %lld",
                   1000000000000LL);
    violations_add(&v, "", "indicator_required", "name at least one");
    ck_assert_uint_eq(v.count, 2);
    ck_assert_str_eq(v.items[0].pointer, "/loss/amount");
    ck_assert_ptr_eq(v.items[0].code, code);
    ck_assert_str_eq(v.items[0].detail, "must be an integer from 0 to 1000000000000");
    ck_assert_str_eq(v.items[1].pointer, "");
    ck_assert_str_eq(v.items[1].code, "indicator_required");
    ck_assert_str_eq(v.items[1].detail, "name at least one");
}
END_TEST

/* RFC 6901: '~' is written "~0" and '/' "~1", '~' first. */
START_TEST(test_pointer_escaping)
{
    assert_pointer("", "a/b", "/a~1b");
    assert_pointer("", "m~n", "/m~0n");
    assert_pointer("/loss", "cents", "/loss/cents");
    assert_pointer("/victim", "name", "/victim/name");
    assert_pointer("/loss", "~/", "/loss/~0~1");
    assert_pointer("", "~1", "/~01");
    assert_pointer("", "//", "/~1~1");
    assert_pointer("", "~~", "/~0~0");
    /* The empty member name is a member too: "/". */
    assert_pointer("", "", "/");
    /* The base is already a pointer: it is not escaped again. */
    assert_pointer("/a~1b", "c", "/a~1b/c");
    /* Other characters, UTF-8 included, pass through as they are. */
    assert_pointer("", "颜色", "/颜色");
    assert_pointer("", "a b\"c%", "/a b\"c%");
}
END_TEST

START_TEST(test_pointer_index)
{
    char out[VIOLATION_POINTER_MAX];

    violations_pointer_index(out, sizeof(out), "/phones", 0);
    ck_assert_str_eq(out, "/phones/0");
    violations_pointer_index(out, sizeof(out), "/apps", 99);
    ck_assert_str_eq(out, "/apps/99");
    violations_pointer_index(out, sizeof(out), "", 7);
    ck_assert_str_eq(out, "/7");
    violations_pointer_index(out, sizeof(out), "/chat_ids/12", 1);
    ck_assert_str_eq(out, "/chat_ids/12/1");
}
END_TEST

/* Returns the full "<base>/<escaped token>" the functions would write with
 * unlimited room; caller frees. */
static char *
full_pointer(const char *base, const char *token)
{
    size_t len = strlen(base) + 1 + 2 * strlen(token) + 1;
    char  *full = malloc(len);
    char  *w;

    ck_assert(full != NULL);
    w = full + sprintf(full, "%s/", base);
    for (; *token != '\0'; token++) {
        if (*token == '~' || *token == '/') {
            *w++ = '~';
            *w++ = *token == '~' ? '0' : '1';
        } else {
            *w++ = *token;
        }
    }
    *w = '\0';
    return full;
}

/* Into every buffer size from 1 to beyond the full length: never a byte
 * past size, always NUL-terminated, always a prefix of the full pointer,
 * and never cut inside an escape ("~" alone would mean something else). */
static void
assert_truncation_safe(const char *base, const char *token)
{
    char  *full = full_pointer(base, token);
    size_t full_len = strlen(full);
    char  *out = malloc(full_len + 8 + CANARY_BYTES);

    ck_assert(out != NULL);
    for (size_t size = 1; size <= full_len + 8; size++) {
        size_t len;

        memset(out, CANARY, size + CANARY_BYTES);
        violations_pointer(out, size, base, token);
        for (size_t i = size; i < size + CANARY_BYTES; i++)
            ck_assert_msg((unsigned char)out[i] == CANARY, "size %zu: byte %zu written", size,
                          i);
        len = strnlen(out, size);
        ck_assert_msg(len < size, "size %zu: not NUL-terminated", size);
        ck_assert_msg(strncmp(out, full, len) == 0, "size %zu: \"%s\" is not a prefix of \"%s\"",
                      size, out, full);
        if (len > strlen(base) + 1)
            ck_assert_msg(out[len - 1] != '~', "size %zu: \"%s\" ends inside an escape", size,
                          out);
        if (size >= full_len + 3)
            ck_assert_str_eq(out, full);
    }
    free(out);
    free(full);
}

START_TEST(test_pointer_truncation_safe)
{
    char long_base[400];
    char long_token[400];

    memset(long_base, 'b', sizeof(long_base) - 1);
    long_base[0] = '/';
    long_base[sizeof(long_base) - 1] = '\0';
    memset(long_token, '~', sizeof(long_token) - 1);
    long_token[sizeof(long_token) - 1] = '\0';
    for (size_t i = 0; i < sizeof(long_token) - 1; i += 3)
        long_token[i] = '/';

    assert_truncation_safe("/loss", "a/b~c");
    assert_truncation_safe("", "~~~~//~/");
    assert_truncation_safe(long_base, "x");
    assert_truncation_safe("/apps/0", long_token);
    assert_truncation_safe(long_base, long_token);
}
END_TEST

/* A pointer that fits in the buffer, NUL included, is written whole:
 * tokens of every length up to the last byte of VIOLATION_POINTER_MAX. */
START_TEST(test_pointer_fits_whole)
{
    static const char *const bases[] = {"", "/loss", "/apps/0"};
    char token[VIOLATION_POINTER_MAX];
    char out[VIOLATION_POINTER_MAX];

    for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        size_t room = VIOLATION_POINTER_MAX - 1 - strlen(bases[b]) - 1;

        for (size_t len = room - 3; len <= room; len++) {
            char  *full;

            memset(token, 'x', len);
            token[len] = '\0';
            if (len >= 1)
                token[len - 1] = '/';       /* the last one an escape: two bytes */
            size_t full_len;
            bool   whole;

            full = full_pointer(bases[b], token);
            full_len = strlen(full);
            violations_pointer(out, sizeof(out), bases[b], token);
            whole = full_len >= sizeof(out) || strcmp(out, full) == 0;
            free(full);
            ck_assert_msg(whole, "base \"%s\", %zu-byte token: got %zu of the %zu bytes that fit",
                          bases[b], len, strlen(out), full_len);
        }
    }
}
END_TEST

/* A very long base in the real buffer: cut, terminated, a prefix. */
START_TEST(test_pointer_long_base)
{
    char base[1000];
    char out[VIOLATION_POINTER_MAX];

    memset(base, 'k', sizeof(base) - 1);
    base[0] = '/';
    base[sizeof(base) - 1] = '\0';
    violations_pointer(out, sizeof(out), base, "name");
    ck_assert_uint_lt(strlen(out), sizeof(out));
    ck_assert(strncmp(out, base, strlen(out)) == 0);
    violations_pointer_index(out, sizeof(out), base, 42);
    ck_assert_uint_lt(strlen(out), sizeof(out));
    ck_assert(strncmp(out, base, strlen(out)) == 0);
}
END_TEST

/* An unknown member named in Chinese, long enough to be cut: the pointer
 * goes into a UTF-8 JSON answer, so it must not end inside a character
 * (jansson refuses such a string and the item would vanish from `errors`). */
START_TEST(test_pointer_truncation_keeps_utf8)
{
    static const char *const bases[] = {"", "/loss", "/victim", "/apps/0", "/chat_ids/17"};
    static const char *const chars[] = {"\xc3\xa9" /* é */, "\xe9\xa2\x9c" /* 颜 */,
                                        "\xf0\x9f\x93\x9e" /* 📞 */};
    char token[4 * 100 + 1];
    char out[VIOLATION_POINTER_MAX];

    for (size_t c = 0; c < sizeof(chars) / sizeof(chars[0]); c++) {
        token[0] = '\0';
        for (int i = 0; i < 100; i++)
            strcat(token, chars[c]);
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
            violations_pointer(out, sizeof(out), bases[b], token);
            ck_assert_msg(is_utf8(out),
                          "base \"%s\", 100 x U+%s: the %zu-byte pointer is cut inside a "
                          "character", bases[b], c == 0 ? "00E9" : c == 1 ? "989C" : "1F4DE",
                          strlen(out));
        }
    }
}
END_TEST

/* Pointer and detail over their buffers are cut, never overflowed. */
START_TEST(test_add_truncates)
{
    struct violations v;
    char              pointer[VIOLATION_POINTER_MAX * 3];
    char              detail[VIOLATION_DETAIL_MAX * 3];

    memset(pointer, 'p', sizeof(pointer) - 1);
    pointer[0] = '/';
    pointer[sizeof(pointer) - 1] = '\0';
    memset(detail, 'd', sizeof(detail) - 1);
    detail[sizeof(detail) - 1] = '\0';
    violations_init(&v);
    violations_add(&v, pointer, "unknown_field", "%s", detail);
    ck_assert_uint_eq(v.count, 1);
    ck_assert_uint_eq(strlen(v.items[0].pointer), VIOLATION_POINTER_MAX - 1);
    ck_assert(strncmp(v.items[0].pointer, pointer, VIOLATION_POINTER_MAX - 1) == 0);
    ck_assert_uint_eq(strlen(v.items[0].detail), VIOLATION_DETAIL_MAX - 1);
    ck_assert_str_eq(v.items[0].code, "unknown_field");
}
END_TEST

START_TEST(test_exactly_max_kept)
{
    struct violations v;
    char              pointer[32];

    violations_init(&v);
    for (int i = 0; i < VIOLATIONS_MAX; i++) {
        snprintf(pointer, sizeof(pointer), "/phones/%d", i);
        violations_add(&v, pointer, "empty", "item %d", i);
    }
    ck_assert_uint_eq(v.count, VIOLATIONS_MAX);
    ck_assert_uint_eq(v.dropped, 0);
    ck_assert_str_eq(v.items[VIOLATIONS_MAX - 1].detail, "item 63");
}
END_TEST

/* Past VIOLATIONS_MAX the first ones are kept in order, the rest counted. */
START_TEST(test_over_max_counts_dropped)
{
    struct violations v;
    char              pointer[32];

    violations_init(&v);
    for (int i = 0; i < VIOLATIONS_MAX + 37; i++) {
        snprintf(pointer, sizeof(pointer), "/phones/%d", i);
        violations_add(&v, pointer, "empty", "item %d", i);
    }
    ck_assert_uint_eq(v.count, VIOLATIONS_MAX);
    ck_assert_uint_eq(v.dropped, 37);
    ck_assert_str_eq(v.items[0].pointer, "/phones/0");
    ck_assert_str_eq(v.items[VIOLATIONS_MAX - 1].pointer, "/phones/63");
    ck_assert_str_eq(v.items[VIOLATIONS_MAX - 1].detail, "item 63");

    violations_init(&v);
    ck_assert_uint_eq(v.count, 0);
    ck_assert_uint_eq(v.dropped, 0);
}
END_TEST

Suite *
violations_suite(void)
{
    Suite *suite = suite_create("violations");
    TCase *items = tcase_create("items");
    TCase *pointers = tcase_create("pointers");

    tcase_add_test(items, test_init_empty);
    tcase_add_test(items, test_add_records_item);
    tcase_add_test(items, test_add_truncates);
    tcase_add_test(items, test_exactly_max_kept);
    tcase_add_test(items, test_over_max_counts_dropped);
    suite_add_tcase(suite, items);

    tcase_add_test(pointers, test_pointer_escaping);
    tcase_add_test(pointers, test_pointer_index);
    tcase_add_test(pointers, test_pointer_truncation_safe);
    tcase_add_test(pointers, test_pointer_fits_whole);
    tcase_add_test(pointers, test_pointer_long_base);
    tcase_add_test(pointers, test_pointer_truncation_keeps_utf8);
    suite_add_tcase(suite, pointers);
    return suite;
}
