/*
 * libFuzzer harness: arbitrary bytes through the path a POST body takes,
 * JSON parsing with the service's limits, report validation against the
 * fixture code lists, and the problem+json items a 422 would carry.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain/report.h"
#include "http/body.h"
#include "vocab_fixture.h"

/* 2024-11-25T18:40:00Z: a fixed clock keeps runs reproducible. */
#define FUZZ_NOW_S 1732560000

static struct vocab *fixture;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = getenv("FRAUD_FUZZ_VOCABULARY");
    char        why[256];

    (void)argc;
    (void)argv;
    fixture = vocab_fixture_load(path != NULL ? path : "tests/data/vocabulary.tsv", why,
                                 sizeof(why));
    if (fixture == NULL) {
        fprintf(stderr, "fuzz_report: %s\n", why);
        abort();
    }
    return 0;
}

/* Every violation must become a JSON item, as respond_violations builds
 * it: an item jansson refuses (invalid UTF-8) would vanish from a 422. */
static void
check_items(const struct violations *errs)
{
    for (size_t i = 0; i < errs->count; i++) {
        json_t *item = json_pack("{s:s, s:s, s:s}", "pointer", errs->items[i].pointer, "code",
                                 errs->items[i].code, "detail", errs->items[i].detail);

        if (item == NULL)
            abort();
        json_decref(item);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t      error;
    struct report     report;
    struct violations errs;
    json_t           *doc = body_parse_json((const char *)data, size, &error);

    if (doc == NULL)
        return 0;
    violations_init(&errs);
    if (report_parse(doc, fixture, FUZZ_NOW_S, &report, &errs) != 0)
        check_items(&errs);
    report_release(&report);
    json_decref(doc);
    return 0;
}
