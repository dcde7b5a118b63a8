/*
 * Shared test helpers: data paths and required environment.
 */
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
testutil_data_path(const char *rel)
{
    const char *dir = getenv("FRAUD_TEST_DATA");
    char       *path;

    if (dir == NULL || *dir == '\0')
        dir = "tests/data";
    ck_assert(asprintf(&path, "%s/%s", dir, rel) > 0);
    return path;
}

char *
testutil_read_data(const char *rel, size_t *len)
{
    char   *path = testutil_data_path(rel);
    FILE   *f = fopen(path, "rb");
    char   *buf;
    long    size;

    ck_assert_msg(f != NULL, "cannot open test data %s", path);
    ck_assert(fseek(f, 0, SEEK_END) == 0);
    size = ftell(f);
    ck_assert(size >= 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    ck_assert(buf != NULL);
    ck_assert(fread(buf, 1, (size_t)size, f) == (size_t)size);
    buf[size] = '\0';
    fclose(f);
    free(path);
    if (len != NULL)
        *len = (size_t)size;
    return buf;
}

const char *
testutil_env(const char *name)
{
    const char *value = getenv(name);

    ck_assert_msg(value != NULL && *value != '\0',
                  "%s is not set: run the suites through make test", name);
    return value;
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
testutil_list_data(const char *rel, size_t *count)
{
    char          *path = testutil_data_path(rel);
    DIR           *dir = opendir(path);
    struct dirent *entry;
    char         **names = NULL;
    size_t         n = 0;

    ck_assert_msg(dir != NULL, "cannot open test data folder %s", path);
    free(path);
    while ((entry = readdir(dir)) != NULL) {
        char **grown;

        if (entry->d_name[0] == '.')
            continue;
        grown = realloc(names, (n + 2) * sizeof(*names));
        ck_assert(grown != NULL);
        names = grown;
        names[n] = strdup(entry->d_name);
        ck_assert(names[n] != NULL);
        n++;
        names[n] = NULL;
    }
    closedir(dir);
    if (names == NULL) {
        names = calloc(1, sizeof(*names));
        ck_assert(names != NULL);
    }
    qsort(names, n, sizeof(*names), compare_names);
    *count = n;
    return names;
}

void
testutil_free_list(char **list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; list[i] != NULL; i++)
        free(list[i]);
    free(list);
}
