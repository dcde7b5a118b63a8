/*
 * The indicator lookup: the value normalised as intake normalises it (a
 * phone to E.164), its counts and losses from the indicator rollup over
 * all days, and what only the reports themselves can say (first and last
 * seen, scam types, stages). For callers who see suppressed counts,
 * `known` stays and counts under k are hidden.
 */
#include "handlers/indicators.h"

#include <stdio.h>

#include "handlers/trends.h"

static json_t *
lookup_body(const struct trends_answer *answer)
{
    const struct trend_query *q = &answer->query;
    json_t                   *data = answer->data;
    bool                      hidden = false;
    json_t                   *reports =
        trends_count(json_integer_value(json_object_get(data, "reports")), answer, &hidden);
    json_t *out = json_pack("{s:s, s:s, s:O, s:o, s:O, s:O, s:O, s:O, s:o}", "kind",
                            trend_query_kind_name(q->kind), "value", q->value, "known",
                            json_object_get(data, "known"), "reports", reports, "first_seen",
                            json_object_get(data, "first_seen"), "last_seen",
                            json_object_get(data, "last_seen"), "scam_types",
                            json_object_get(data, "scam_types"), "stages",
                            json_object_get(data, "stages"), "loss",
                            trends_loss(json_object_get(data, "loss"), answer, &hidden));

    if (out != NULL && hidden)
        json_object_set_new(out, "suppressed", json_true());
    return out;
}

/* A list of codes as one CSV field, separated by spaces. */
static void
csv_codes(struct csv *csv, const json_t *codes)
{
    char   text[1024] = "";
    size_t used = 0;

    for (size_t i = 0; i < json_array_size(codes) && used < sizeof(text); i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", i == 0 ? "" : " ",
                                 json_string_value(json_array_get(codes, i)));
    csv_field(csv, text);
}

static void
lookup_csv(struct csv *csv, const json_t *body)
{
    static const char *const header[] = {"kind", "value", "known", "reports", "first_seen",
                                         "last_seen", "scam_types", "stages"};
    json_t *currencies = json_array();
    json_t *reports = json_object_get(body, "reports");

    trends_csv_currencies(currencies, json_object_get(body, "loss"));
    for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
        csv_field(csv, header[i]);
    for (size_t i = 0; i < json_array_size(currencies); i++) {
        char name[16];

        snprintf(name, sizeof(name), "loss_%s", json_string_value(json_array_get(currencies, i)));
        csv_field(csv, name);
    }
    csv_end_record(csv);
    csv_field(csv, json_string_value(json_object_get(body, "kind")));
    csv_field(csv, json_string_value(json_object_get(body, "value")));
    csv_field(csv, json_is_true(json_object_get(body, "known")) ? "true" : "false");
    if (json_is_integer(reports))
        csv_int(csv, json_integer_value(reports));
    else
        csv_field(csv, NULL);
    csv_field(csv, json_string_value(json_object_get(body, "first_seen")));
    csv_field(csv, json_string_value(json_object_get(body, "last_seen")));
    csv_codes(csv, json_object_get(body, "scam_types"));
    csv_codes(csv, json_object_get(body, "stages"));
    trends_csv_loss(csv, currencies, json_object_get(body, "loss"));
    csv_end_record(csv);
    json_decref(currencies);
}

void
indicators_lookup(struct request *req, struct response *resp)
{
    trends_answer_route(req, resp, TREND_ROUTE_LOOKUP, lookup_body, lookup_csv);
}
