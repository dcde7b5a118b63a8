/*
 * body_suite: request bodies: accumulation up to the cap (65,536 bytes in
 * the service) and body_parse_json's limits: duplicate keys, nesting deeper
 * than BODY_DEPTH_MAX, NUL escapes, invalid UTF-8, trailing garbage, and
 * jansson's line and column for the caller's error answer.
 */
#include "http/body.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"

/* The API's body limit (API.md, Limits). */
#define BODY_MAX 65536

/* A deterministic byte for offset i, so content checks see misplaced data. */
static char
pattern_byte(size_t i)
{
    return (char)('a' + (i * 7 + i / 26) % 26);
}

static char *
pattern_new(size_t len)
{
    char *data = malloc(len + 1);

    ck_assert(data != NULL);
    for (size_t i = 0; i < len; i++)
        data[i] = pattern_byte(i);
    data[len] = '\0';
    return data;
}

static void
assert_pattern(const struct body *body, size_t len)
{
    ck_assert_uint_eq(body->len, len);
    ck_assert_ptr_nonnull(body->data);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(body->data[i] == pattern_byte(i), "byte %zu differs", i);
    ck_assert_msg(body->data[len] == '\0', "not NUL-terminated after %zu bytes", len);
}

START_TEST(test_init)
{
    struct body body;

    memset(&body, 0xff, sizeof(body));
    body_init(&body, BODY_MAX);
    ck_assert_uint_eq(body.len, 0);
    ck_assert_uint_eq(body.max, BODY_MAX);
    ck_assert(!body.too_large);
    body_free(&body);
    ck_assert_ptr_null(body.data);
    ck_assert_uint_eq(body.len, 0);
    /* Freeing twice, as error paths may, is harmless. */
    body_free(&body);
}
END_TEST

START_TEST(test_append_under_cap)
{
    struct body body;
    char       *data = pattern_new(1000);

    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, 300), 0);
    ck_assert_int_eq(body_append(&body, data + 300, 700), 0);
    ck_assert(!body.too_large);
    assert_pattern(&body, 1000);
    body_free(&body);
    free(data);
}
END_TEST

/* Exactly max bytes is a body; one more is too large. */
START_TEST(test_append_exactly_max)
{
    struct body body;
    char       *data = pattern_new(BODY_MAX + 1);

    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, BODY_MAX), 0);
    ck_assert(!body.too_large);
    assert_pattern(&body, BODY_MAX);
    body_free(&body);

    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, BODY_MAX / 2), 0);
    ck_assert_int_eq(body_append(&body, data + BODY_MAX / 2, BODY_MAX - BODY_MAX / 2), 0);
    ck_assert(!body.too_large);
    assert_pattern(&body, BODY_MAX);
    body_free(&body);
    free(data);
}
END_TEST

START_TEST(test_append_max_plus_one)
{
    struct body body;
    char       *data = pattern_new(BODY_MAX + 1);

    /* In one chunk: refused, nothing kept. */
    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, BODY_MAX + 1), -1);
    ck_assert(body.too_large);
    ck_assert_uint_eq(body.len, 0);
    body_free(&body);

    /* The byte after a full body: refused, what came before intact. */
    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, BODY_MAX), 0);
    ck_assert_int_eq(body_append(&body, data + BODY_MAX, 1), -1);
    ck_assert(body.too_large);
    assert_pattern(&body, BODY_MAX);
    body_free(&body);

    /* A chunk that would cross the cap: refused as a whole. */
    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, 60000), 0);
    ck_assert_int_eq(body_append(&body, data + 60000, BODY_MAX + 1 - 60000), -1);
    ck_assert(body.too_large);
    assert_pattern(&body, 60000);
    body_free(&body);
    free(data);
}
END_TEST

/* Once too large, always too large: later chunks that would fit are
 * refused too, so a truncated body is never parsed. */
START_TEST(test_too_large_is_sticky)
{
    struct body body;
    char       *data = pattern_new(BODY_MAX + 1);

    body_init(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data, BODY_MAX + 1), -1);
    ck_assert_int_eq(body_append(&body, data, 1), -1);
    ck_assert_int_eq(body_append(&body, data, 0), -1);
    ck_assert(body.too_large);
    ck_assert_uint_eq(body.len, 0);
    body_free(&body);
    free(data);
}
END_TEST

/* Many small chunks, as a slow client sends them: one byte at a time up
 * to the cap, then chunks of a size that does not divide the cap. */
START_TEST(test_many_small_appends)
{
    struct body body;
    char       *data = pattern_new(BODY_MAX + 7);
    size_t      at = 0;

    body_init(&body, BODY_MAX);
    for (size_t i = 0; i < BODY_MAX; i++)
        ck_assert_int_eq(body_append(&body, data + i, 1), 0);
    assert_pattern(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data + BODY_MAX, 1), -1);
    ck_assert(body.too_large);
    body_free(&body);

    body_init(&body, BODY_MAX);
    while (at + 7 <= BODY_MAX) {
        ck_assert_int_eq(body_append(&body, data + at, 7), 0);
        at += 7;
    }
    ck_assert_int_eq(body_append(&body, data + at, BODY_MAX - at), 0);
    assert_pattern(&body, BODY_MAX);
    ck_assert_int_eq(body_append(&body, data + BODY_MAX, 7), -1);
    body_free(&body);
    free(data);
}
END_TEST

/* A small cap, below the first allocation: ASan sees any write past it. */
START_TEST(test_small_cap)
{
    struct body body;
    char       *data = pattern_new(11);

    body_init(&body, 10);
    for (size_t i = 0; i < 10; i++)
        ck_assert_int_eq(body_append(&body, data + i, 1), 0);
    assert_pattern(&body, 10);
    ck_assert_int_eq(body_append(&body, data + 10, 1), -1);
    body_free(&body);
    free(data);
}
END_TEST

/* Parses text (its strlen) and returns the document or NULL. */
static json_t *
parse_text(const char *text, json_error_t *error)
{
    return body_parse_json(text, strlen(text), error);
}

static void
assert_refused(const char *text, size_t len, const char *what)
{
    json_error_t error;
    json_t      *doc = body_parse_json(text, len, &error);
    bool         refused = doc == NULL;

    json_decref(doc);
    ck_assert_msg(refused, "%s was accepted", what);
    ck_assert_msg(error.text[0] != '\0', "%s: refused without a message", what);
    ck_assert_msg(error.line >= 1, "%s: line %d", what, error.line);
}

START_TEST(test_parse_object)
{
    json_error_t error;
    json_t      *doc = parse_text("{\"source\": \"victim\", \"phones\": [\"13800000000\"]}",
                                  &error);

    ck_assert_ptr_nonnull(doc);
    ck_assert(json_is_object(doc));
    ck_assert_str_eq(json_string_value(json_object_get(doc, "source")), "victim");
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "phones")), 1);
    json_decref(doc);

    /* White space around the document is allowed. */
    doc = parse_text(" \r\n\t{\"a\": 1}\n\n", &error);
    ck_assert_ptr_nonnull(doc);
    json_decref(doc);
}
END_TEST

/* Only len bytes are read: what follows them does not count. */
START_TEST(test_parse_honours_len)
{
    static const char text[] = "{\"a\": 1}garbage";
    json_error_t      error;
    json_t           *doc = body_parse_json(text, 8, &error);
    char             *exact = malloc(8);

    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "a")), 1);
    json_decref(doc);

    /* No NUL after the bytes: ASan sees a read past len. */
    ck_assert(exact != NULL);
    memcpy(exact, text, 8);
    doc = body_parse_json(exact, 8, &error);
    free(exact);
    ck_assert_ptr_nonnull(doc);
    json_decref(doc);

    assert_refused(text, 7, "the first 7 bytes of {\"a\": 1}");
}
END_TEST

/* The spec's rule for a body that is JSON but not an object is a 422 with
 * pointer "" (report validation), not a 400: the parser must hand such a
 * document over rather than call it malformed. */
START_TEST(test_parse_any_top_level_value)
{
    static const char *const texts[] = {"\"hello\"", "42", "null", "true", "[1, 2]"};

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_error_t error;
        json_t      *doc = parse_text(texts[i], &error);
        bool         parsed = doc != NULL;

        json_decref(doc);
        ck_assert_msg(parsed, "%s is JSON but was refused: %s", texts[i], error.text);
    }
}
END_TEST

START_TEST(test_duplicate_keys)
{
    static const struct {
        const char *text;
        const char *what;
    } duplicates[] = {
        {"{\"source\": \"victim\", \"source\": \"police\"}", "a duplicate key"},
        {"{\"loss\": {\"amount\": 1, \"amount\": 2}}", "a nested duplicate key"},
        {"{\"apps\": [{\"name\": \"a\", \"name\": \"b\"}]}",
         "a duplicate key in an array item"},
        /* Keys that differ only in an escape are the same key. */
        {"{\"a\": 1, \"\\u0061\": 2}", "a duplicate key spelt with an escape"},
        /* Even when both values are equal. */
        {"{\"stage\": \"contact\", \"stage\": \"contact\"}", "a repeated key and value"},
    };
    json_error_t error;
    json_t      *doc;

    for (size_t i = 0; i < sizeof(duplicates) / sizeof(duplicates[0]); i++)
        assert_refused(duplicates[i].text, strlen(duplicates[i].text), duplicates[i].what);

    /* The same key in two different objects is not a duplicate. */
    doc = parse_text("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}, \"c\": [{\"x\": 3}, {\"x\": 4}]}",
                     &error);
    ck_assert_ptr_nonnull(doc);
    json_decref(doc);
}
END_TEST

/* Returns a new string: `depth` containers nested, innermost `inner`. With
 * objects each level is {"a": ...}, with arrays [...]. Caller frees. */
static char *
nested_new(size_t depth, bool objects, const char *inner)
{
    size_t len = depth * 8 + strlen(inner) + 1;
    char  *text = malloc(len);
    char  *w = text;

    ck_assert(text != NULL);
    for (size_t i = 0; i < depth; i++)
        w += sprintf(w, "%s", objects ? "{\"a\": " : "[");
    w += sprintf(w, "%s", inner);
    for (size_t i = 0; i < depth; i++)
        *w++ = objects ? '}' : ']';
    *w = '\0';
    return text;
}

static bool
parses(const char *text)
{
    json_error_t error;
    json_t      *doc = parse_text(text, &error);
    bool         ok = doc != NULL;

    json_decref(doc);
    return ok;
}

/* Depth counts containers on the deepest path: {} is 1, [[]] is 2, a
 * scalar adds nothing. BODY_DEPTH_MAX (32, the API's limit) is allowed,
 * one more is refused, whether objects or arrays or the report's own
 * {"narrative": [...]} shape. */
START_TEST(test_depth_limit)
{
    char *text;

    ck_assert_int_eq(BODY_DEPTH_MAX, 32);
    for (int objects = 0; objects <= 1; objects++) {
        text = nested_new(32, objects, objects ? "1" : "");
        ck_assert_msg(parses(text), "%s nested 32 deep was refused",
                      objects ? "objects" : "arrays");
        free(text);
        text = nested_new(32, objects, objects ? "{}" : "[]");
        ck_assert_msg(!parses(text), "%s nested 33 deep was accepted",
                      objects ? "objects" : "arrays");
        free(text);
        text = nested_new(32, objects, objects ? "[1]" : "{\"a\": 1}");
        ck_assert_msg(!parses(text), "%s nested 32 deep plus one more container was accepted",
                      objects ? "objects" : "arrays");
        free(text);
    }

    /* The top-level object is level 1, the narrative array level 2. */
    text = nested_new(31, false, "\"deep\"");
    {
        char *report = malloc(strlen(text) + 64);

        ck_assert(report != NULL);
        sprintf(report, "{\"source\": \"victim\", \"narrative\": %s}", text);
        ck_assert_msg(parses(report), "a report nested 32 deep was refused");
        free(text);
        text = nested_new(32, false, "\"deep\"");
        sprintf(report, "{\"source\": \"victim\", \"narrative\": %s}", text);
        ck_assert_msg(!parses(report), "a report nested 33 deep was accepted");
        free(report);
    }
    free(text);

    /* One deep branch among shallow ones is enough to refuse. */
    text = nested_new(32, false, "[]");
    {
        char *wide = malloc(strlen(text) + 64);

        ck_assert(wide != NULL);
        sprintf(wide, "{\"x\": 1, \"y\": [[]], \"z\": %s, \"w\": {}}", text);
        ck_assert_msg(!parses(wide), "a deep branch beside shallow ones was accepted");
        free(wide);
    }
    free(text);
}
END_TEST

/* The depth refusal still fills the error the 400 answer is built from. */
START_TEST(test_depth_error_filled)
{
    json_error_t error;
    char        *text = nested_new(40, false, "");
    json_t      *doc;

    memset(&error, 0, sizeof(error));
    error.line = -5;
    doc = parse_text(text, &error);
    free(text);
    ck_assert_ptr_null(doc);
    ck_assert_msg(error.text[0] != '\0', "no message for a body nested 40 deep");
    ck_assert_int_ge(error.line, 1);
    ck_assert_int_ge(error.column, 1);
    ck_assert_int_ge(error.position, 0);
}
END_TEST

START_TEST(test_nul_escape)
{
    static const char in_value[] = "{\"narrative\": \"a\\u0000b\"}";
    static const char in_key[] = "{\"a\\u0000\": 1}";
    static const char raw_nul[] = "{\"narrative\": \"a\0b\"}";

    assert_refused(in_value, sizeof(in_value) - 1, "\\u0000 in a string");
    assert_refused(in_key, sizeof(in_key) - 1, "\\u0000 in a key");
    assert_refused(raw_nul, sizeof(raw_nul) - 1, "a raw NUL byte in a string");
}
END_TEST

START_TEST(test_invalid_utf8)
{
    static const struct {
        const char *text;
        const char *what;
    } cases[] = {
        {"{\"narrative\": \"\xff\"}", "the byte 0xff"},
        {"{\"narrative\": \"\xc0\xaf\"}", "an overlong '/'"},
        {"{\"narrative\": \"\xed\xa0\x80\"}", "an encoded surrogate"},
        {"{\"narrative\": \"\xe5\xa1\"}", "a truncated three-byte character"},
        {"{\"narrative\": \"\x80\"}", "a stray continuation byte"},
        {"{\"narrative\": \"\xf4\x90\x80\x80\"}", "a code point past U+10FFFF"},
        {"{\"\xff\": 1}", "0xff in a key"},
        {"{\"narrative\": \"\\ud800\"}", "a lone surrogate escape"},
    };
    json_error_t error;
    json_t      *doc;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_refused(cases[i].text, strlen(cases[i].text), cases[i].what);

    /* Real UTF-8 and a proper surrogate pair are fine. */
    doc = parse_text("{\"locality\": \"塘厦镇\", \"n\": \"\\ud83d\\udcde\"}", &error);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "locality")), "塘厦镇");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "n")), "\xf0\x9f\x93\x9e");
    json_decref(doc);
}
END_TEST

START_TEST(test_trailing_garbage)
{
    static const char *const texts[] = {
        "{\"a\": 1} x", "{\"a\": 1}}", "{}{}", "{\"a\": 1},", "{} []", "[1] 2",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_refused(texts[i], strlen(texts[i]), texts[i]);
}
END_TEST

START_TEST(test_not_json)
{
    static const char *const texts[] = {
        "", "   \n", "{", "{\"a\": 1,}", "[1, 2,]", "{'a': 1}", "{\"a\": tru}",
        "source=victim", "{\"a\": 01}", "{\"a\": NaN}",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_refused(texts[i], strlen(texts[i]), texts[i]);
}
END_TEST

/* A syntax error on line 3 is reported there, with jansson's 1-based
 * column of the offending character. */
START_TEST(test_error_line_and_column)
{
    static const char text[] = "{\n  \"source\": \"victim\",\n  \"stage\": @contact\n}";
    json_error_t      error;
    json_error_t      direct;
    json_t           *doc = body_parse_json(text, sizeof(text) - 1, &error);
    json_t           *plain = json_loadb(text, sizeof(text) - 1, 0, &direct);

    ck_assert_ptr_null(doc);
    ck_assert_ptr_null(plain);
    ck_assert_int_eq(error.line, 3);
    /* "  \"stage\": @": the '@' is the 12th character of line 3. */
    ck_assert_int_eq(error.column, 12);
    /* The byte position is jansson's own, passed through unchanged. */
    ck_assert_int_eq(error.position, direct.position);
    ck_assert_int_ge(error.position, (int)(strchr(text, '@') - text));

    /* A duplicate key on line 3 is reported on line 3 as well. */
    doc = parse_text("{\n  \"stage\": \"contact\",\n  \"stage\": \"pretext\"\n}", &error);
    ck_assert_ptr_null(doc);
    ck_assert_int_eq(error.line, 3);
}
END_TEST

Suite *
body_suite(void)
{
    Suite *suite = suite_create("body");
    TCase *append = tcase_create("append");
    TCase *parse = tcase_create("parse");

    tcase_add_test(append, test_init);
    tcase_add_test(append, test_append_under_cap);
    tcase_add_test(append, test_append_exactly_max);
    tcase_add_test(append, test_append_max_plus_one);
    tcase_add_test(append, test_too_large_is_sticky);
    tcase_add_test(append, test_many_small_appends);
    tcase_add_test(append, test_small_cap);
    suite_add_tcase(suite, append);

    tcase_add_test(parse, test_parse_object);
    tcase_add_test(parse, test_parse_honours_len);
    tcase_add_test(parse, test_parse_any_top_level_value);
    tcase_add_test(parse, test_duplicate_keys);
    tcase_add_test(parse, test_depth_limit);
    tcase_add_test(parse, test_depth_error_filled);
    tcase_add_test(parse, test_nul_escape);
    tcase_add_test(parse, test_invalid_utf8);
    tcase_add_test(parse, test_trailing_garbage);
    tcase_add_test(parse, test_not_json);
    tcase_add_test(parse, test_error_line_and_column);
    suite_add_tcase(suite, parse);
    return suite;
}
