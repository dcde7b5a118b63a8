/*
 * Set comparison of violations for the unit suites.
 */
#include "expect_violations.h"

#include <string.h>

bool
expect_violations_match(const struct violations *errs, const struct expected_violation *want,
                        size_t want_count)
{
    bool used[VIOLATIONS_MAX] = {false};

    if (errs->dropped != 0 || errs->count != want_count)
        return false;
    for (size_t w = 0; w < want_count; w++) {
        bool found = false;

        for (size_t i = 0; i < errs->count && !found; i++) {
            if (!used[i] && strcmp(errs->items[i].pointer, want[w].pointer) == 0
                && strcmp(errs->items[i].code, want[w].code) == 0) {
                used[i] = true;
                found = true;
            }
        }
        if (!found)
            return false;
    }
    return true;
}
