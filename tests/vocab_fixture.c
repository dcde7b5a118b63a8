/*
 * Loading the TSV code-list fixture. Plain C with no Check calls, so the
 * fuzz harnesses can use it too.
 */
#include "vocab_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
read_all(const char *path)
{
    FILE  *f = fopen(path, "rb");
    char  *text = NULL;
    size_t len = 0;

    if (f == NULL)
        return NULL;
    if (getdelim(&text, &len, '\0', f) < 0) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

/* Adds one "kind<TAB>code<TAB>position" line; returns 0 or -1 with why. */
static int
add_line(struct vocab *vocab, char *line_text, int line, char *why, size_t why_size)
{
    char *fields[3];
    char *cursor = line_text;
    char *end;
    int   kind;
    long  position;
    int   n = 0;

    while (cursor != NULL && n < 3)
        fields[n++] = strsep(&cursor, "\t");
    if (n != 3 || cursor != NULL) {
        snprintf(why, why_size, "vocabulary.tsv:%d: want kind<TAB>code<TAB>position", line);
        return -1;
    }
    kind = vocab_kind_from_name(fields[0]);
    position = strtol(fields[2], &end, 10);
    if (kind < 0 || fields[2][0] == '\0' || *end != '\0') {
        snprintf(why, why_size, "vocabulary.tsv:%d: unknown kind or bad position", line);
        return -1;
    }
    if (vocab_add(vocab, (enum vocab_kind)kind, fields[1], (int)position) != 0) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    return 0;
}

struct vocab *
vocab_fixture_load(const char *path, char *why, size_t why_size)
{
    char         *text = read_all(path);
    char         *cursor = text;
    char         *line_text;
    struct vocab *vocab = vocab_new();
    int           line = 0;
    int           rc = text != NULL && vocab != NULL ? 0 : -1;

    if (rc != 0)
        snprintf(why, why_size, "cannot read %s", path);
    while (rc == 0 && (line_text = strsep(&cursor, "\n")) != NULL) {
        line++;
        if (line_text[0] != '#' && line_text[0] != '\0')
            rc = add_line(vocab, line_text, line, why, why_size);
    }
    free(text);
    if (rc == 0) {
        vocab_freeze(vocab);
        for (int kind = 0; kind < VOCAB_KIND_COUNT && rc == 0; kind++)
            if (vocab_count(vocab, (enum vocab_kind)kind) == 0) {
                snprintf(why, why_size, "vocabulary.tsv has no %s",
                         vocab_kind_name((enum vocab_kind)kind));
                rc = -1;
            }
    }
    if (rc != 0) {
        vocab_unref(vocab);
        return NULL;
    }
    return vocab;
}
