/*
 * Shared test helpers: data paths and required environment.
 */
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdbool.h>
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

static bool
wanted_entry(const char *name, const char *suffix)
{
    size_t name_len = strlen(name);

    if (name[0] == '.')
        return false;
    if (suffix == NULL)
        return true;
    return name_len >= strlen(suffix)
           && strcmp(name + name_len - strlen(suffix), suffix) == 0;
}

char **
testutil_list_data(const char *rel, const char *suffix, size_t *count)
{
    char          *path = testutil_data_path(rel);
    DIR           *dir = opendir(path);
    struct dirent *entry;
    char         **names;
    size_t         n = 0;

    ck_assert_msg(dir != NULL, "cannot open test data folder %s", path);
    free(path);
    names = calloc(1, sizeof(*names));
    ck_assert(names != NULL);
    while ((entry = readdir(dir)) != NULL) {
        char **grown;

        if (!wanted_entry(entry->d_name, suffix))
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
    qsort(names, n, sizeof(*names), compare_names);
    *count = n;
    return names;
}

size_t
testutil_count_data(const char *rel, const char *suffix)
{
    const char    *dir_env = getenv("FRAUD_TEST_DATA");
    char          *path;
    DIR           *dir;
    struct dirent *entry;
    size_t         n = 0;

    if (asprintf(&path, "%s/%s", dir_env != NULL && *dir_env != '\0' ? dir_env : "tests/data",
                 rel) < 0)
        return 0;
    dir = opendir(path);
    free(path);
    if (dir == NULL)
        return 0;
    while ((entry = readdir(dir)) != NULL)
        if (wanted_entry(entry->d_name, suffix))
            n++;
    closedir(dir);
    return n;
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
