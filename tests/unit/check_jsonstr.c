/*
 * Unit tests of service/domain/jsonstr: JSON strings written as jansson
 * writes them, for every ASCII character alone and between others, for
 * multibyte characters, and nothing written for text that is not UTF-8.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/decimal.h"
#include "domain/jsonstr.h"
#include "../suites.h"

/* What jsonstr_write wrote for text (caller frees), and its status. */
static char *
written(const char *text, int *rc)
{
    char  *out_text = NULL;
    size_t len = 0;
    FILE  *out = decimal_stream_open(&out_text, &len);

    ck_assert_ptr_nonnull(out);
    *rc = jsonstr_write(out, text);
    ck_assert_int_eq(fclose(out), 0);
    return out_text;
}

/* Checks jsonstr_write's text against jansson's for text. */
static void
check_as_jansson(const char *text)
{
    json_t *string = json_string(text);
    char   *expected = string != NULL ? json_dumps(string, JSON_ENCODE_ANY) : NULL;
    int     rc;
    char   *got = written(text, &rc);

    ck_assert_ptr_nonnull(expected);
    ck_assert_int_eq(rc, 0);
    if (strcmp(got, expected) != 0)
        ck_abort_msg("text of %zu bytes: wrote %s, jansson %s", strlen(text), got, expected);
    json_decref(string);
    free(expected);
    free(got);
}

START_TEST(test_every_ascii_character)
{
    for (int c = 1; c < 0x80; c++) {
        char alone[2] = {(char)c, '\0'};
        char among[8];

        snprintf(among, sizeof(among), "a%cb%c", c, c);
        check_as_jansson(alone);
        check_as_jansson(among);
    }
}
END_TEST

START_TEST(test_text_as_jansson)
{
    static const char *const texts[] = {
        "",
        "CloudShop Service 10087",
        "\xe5\xae\x89\xe5\x85\xa8\xe8\xb4\xa6\xe6\x88\xb7",  /* 安全账户 */
        "\xe2\x80\xa8 and \xe2\x80\xa9",                      /* U+2028, U+2029 */
        "\xf0\x9f\x93\xb1\"\\\n\xc2\xa9\x7f",                 /* U+1F4F1, quote, ... */
        "https://example.invalid/a/b?c=d&e=\"f\"",
        "\x1f\x01tail",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        check_as_jansson(texts[i]);
}
END_TEST

START_TEST(test_not_utf8_writes_nothing)
{
    static const char *const texts[] = {
        "\x80",              /* a continuation byte alone */
        "ab\xc3",            /* cut short */
        "\xc0\x80",          /* overlong NUL */
        "\xed\xa0\x80",      /* a surrogate */
        "\xf4\x90\x80\x80",  /* past U+10FFFF */
        "\xff",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        int   rc;
        char *got = written(texts[i], &rc);

        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(got, "");
        free(got);
    }
}
END_TEST

Suite *
jsonstr_suite(void)
{
    Suite *suite = suite_create("jsonstr");
    TCase *strings = tcase_create("strings");

    tcase_add_test(strings, test_every_ascii_character);
    tcase_add_test(strings, test_text_as_jansson);
    tcase_add_test(strings, test_not_utf8_writes_nothing);
    suite_add_tcase(suite, strings);
    return suite;
}
