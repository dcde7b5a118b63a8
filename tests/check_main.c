/*
 * One runner for every suite, so that `make test` ends with one Check
 * summary. Check's own CK_RUN_SUITE=<name> and CK_RUN_CASE=<name> pick one.
 */
#include <stdlib.h>

#include "suites.h"

typedef Suite *(*suite_fn)(void);

static const suite_fn all_suites[] = {
    phone_suite, money_suite, timestamp_suite, report_suite, violations_suite, vocab_suite,
    body_suite, config_suite,
    migrate_suite, db_pool_suite,
    http_reports_suite, http_errors_suite, http_misc_suite,
    http_import_suite,
    http_idempotency_suite, http_batch_suite,
    http_patch_suite,
    report_filter_suite, list_plans_suite, http_list_suite,
    apikey_suite, ratelimit_suite, keys_suite, http_auth_suite,
    rollups_suite,
    http_tls_suite, http_hostile_suite,
    trend_query_suite, trend_pieces_suite, trend_suppress_suite, trend_cells_suite,
    jsonstr_suite,
    http_trends_suite,
    trend_equivalence_suite,
};

int
main(void)
{
    SRunner *runner = srunner_create(all_suites[0]());
    int      failed;

    for (size_t i = 1; i < sizeof(all_suites) / sizeof(all_suites[0]); i++)
        srunner_add_suite(runner, all_suites[i]());
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
