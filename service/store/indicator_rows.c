/*
 * Indicator lists as JSON rows. Positions keep the order the reporter gave,
 * so a report reads back as it was sent.
 */
#include "store/indicator_rows.h"

/* Appends `row` (taken) to `list` (taken); on failure releases both.
 * Returns list, or NULL. */
static json_t *
append_row(json_t *list, json_t *row)
{
    if (list == NULL || json_array_append_new(list, row) != 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *
indicator_rows_phones(const struct report *report)
{
    json_t *list = json_array();

    for (size_t i = 0; i < report->phone_count && list != NULL; i++) {
        const struct report_phone *p = &report->phones[i];

        list = append_row(
            list, json_pack("{s:I, s:s, s:s?, s:b, s:b, s:b, s:s?, s:s?}", "position",
                            (json_int_t)i, "raw", p->raw, "e164",
                            p->normalised ? p->phone.e164 : NULL, "leading_plus",
                            p->phone.leading_plus, "international",
                            p->normalised && p->phone.international, "valid",
                            p->normalised && p->phone.valid, "type",
                            p->normalised && p->phone.type[0] ? p->phone.type : NULL, "region",
                            p->normalised && p->phone.region[0] ? p->phone.region : NULL));
    }
    return list;
}

json_t *
indicator_rows_named(const struct report_named *items, size_t count)
{
    json_t *list = json_array();

    for (size_t i = 0; i < count && list != NULL; i++)
        list = append_row(list, json_pack("{s:I, s:s, s:s?}", "position", (json_int_t)i,
                                          "value", items[i].value, "qualifier",
                                          items[i].qualifier));
    return list;
}

json_t *
indicator_rows_urls(const struct report *report)
{
    json_t *list = json_array();

    for (size_t i = 0; i < report->url_count && list != NULL; i++)
        list = append_row(list, json_pack("{s:I, s:s}", "position", (json_int_t)i, "value",
                                          report->urls[i]));
    return list;
}
