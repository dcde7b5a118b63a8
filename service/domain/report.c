/*
 * Report validation. Members are described by tables (name, kind, cap,
 * where the value goes) so that one loop checks every object the same way
 * and every problem is reported with its JSON Pointer.
 */
#include "domain/report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/timestamp.h"

enum member_kind {
    MEMBER_CODE,        /* a string from a vocabulary (`limit` is the vocab_kind) */
    MEMBER_LINE,        /* one line of text, `limit` bytes at most */
    MEMBER_TEXT,        /* free text, newlines and tabs allowed */
    MEMBER_TIME,        /* RFC 3339 */
    MEMBER_REGION,      /* GB/T 2260 code */
    MEMBER_LOSS,
    MEMBER_PHONES,
    MEMBER_URLS,
    MEMBER_NAMED,       /* a list of objects described by `named` */
    MEMBER_VICTIM,
};

struct member {
    const char          *name;
    enum member_kind     kind;
    int                  limit;
    bool                 required;
    size_t               offset;    /* where a string goes in the target struct */
    const struct named  *named;     /* MEMBER_NAMED only */
};

/* One kind of list of objects: apps, accounts, chat ids. */
struct named {
    const struct member *members;   /* two: value and qualifier */
    size_t               list_offset;
    size_t               count_offset;
};

struct parse {
    const struct vocab *vocab;
    int64_t             now_s;
    struct violations  *errs;
    struct report      *report;
};

#define R(field) offsetof(struct report, field)
#define N(field) offsetof(struct report_named, field)

static const struct member app_members[] = {
    {"name", MEMBER_LINE, REPORT_NAME_MAX, true, N(value), NULL},
    {"role", MEMBER_CODE, VOCAB_APP_ROLE, false, N(qualifier), NULL},
};
static const struct member account_members[] = {
    {"value", MEMBER_LINE, REPORT_NAME_MAX, true, N(value), NULL},
    {"kind", MEMBER_CODE, VOCAB_ACCOUNT_KIND, false, N(qualifier), NULL},
};
static const struct member chat_id_members[] = {
    {"value", MEMBER_LINE, REPORT_NAME_MAX, true, N(value), NULL},
    {"app", MEMBER_LINE, REPORT_NAME_MAX, false, N(qualifier), NULL},
};

static const struct named apps_list = {app_members, R(apps), R(app_count)};
static const struct named accounts_list = {account_members, R(accounts), R(account_count)};
static const struct named chat_ids_list = {chat_id_members, R(chat_ids), R(chat_id_count)};

static const struct member victim_members[] = {
    {"age_band", MEMBER_CODE, VOCAB_AGE_BAND, false, R(victim_age_band), NULL},
    {"gender", MEMBER_CODE, VOCAB_GENDER, false, R(victim_gender), NULL},
    {"name", MEMBER_LINE, REPORT_PERSON_MAX, false, R(victim_name), NULL},
    {"contact", MEMBER_LINE, REPORT_PERSON_MAX, false, R(victim_contact), NULL},
};

static const struct member report_members[] = {
    {"source", MEMBER_CODE, VOCAB_SOURCE, true, R(source), NULL},
    {"scam_type", MEMBER_CODE, VOCAB_SCAM_TYPE, true, R(scam_type), NULL},
    {"stage", MEMBER_CODE, VOCAB_STAGE, true, R(stage), NULL},
    {"channel", MEMBER_CODE, VOCAB_CHANNEL, false, R(channel), NULL},
    {"impersonated", MEMBER_CODE, VOCAB_IMPERSONATED, false, R(impersonated), NULL},
    {"info_leak", MEMBER_CODE, VOCAB_INFO_LEAK, false, R(info_leak), NULL},
    {"occurred_at", MEMBER_TIME, 64, false, R(occurred_at), NULL},
    {"region", MEMBER_REGION, 6, false, R(region), NULL},
    {"locality", MEMBER_LINE, REPORT_LOCALITY_MAX, false, R(locality), NULL},
    {"loss", MEMBER_LOSS, 0, false, 0, NULL},
    {"phones", MEMBER_PHONES, PHONE_RAW_MAX, false, 0, NULL},
    {"apps", MEMBER_NAMED, 0, false, 0, &apps_list},
    {"accounts", MEMBER_NAMED, 0, false, 0, &accounts_list},
    {"urls", MEMBER_URLS, REPORT_URL_MAX, false, 0, NULL},
    {"chat_ids", MEMBER_NAMED, 0, false, 0, &chat_ids_list},
    {"victim", MEMBER_VICTIM, 0, false, 0, NULL},
    {"narrative", MEMBER_TEXT, REPORT_NARRATIVE_MAX, false, R(narrative), NULL},
    {"case_number", MEMBER_LINE, REPORT_CASE_MAX, false, R(case_number), NULL},
    {"station", MEMBER_LINE, REPORT_PERSON_MAX, false, R(station), NULL},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static void
set_string(void *target, size_t offset, const char *value)
{
    memcpy((char *)target + offset, &value, sizeof(value));
}

static bool
is_blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* Control characters break log lines and CSV rows; one-line fields refuse
 * them all, free text keeps only newline, carriage return and tab. */
static bool
has_control(const char *s, bool multiline)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (multiline && (c == '\n' || c == '\r' || c == '\t'))
            continue;
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* A string member: present, a string, not blank, within `max` bytes, and
 * with no control characters unless multiline. NULL after a violation. */
static const char *
read_string(json_t *value, const char *pointer, int max, bool multiline, struct violations *errs)
{
    const char *s;

    if (!json_is_string(value)) {
        violations_add(errs, pointer, "type", "must be a string");
        return NULL;
    }
    s = json_string_value(value);
    if (is_blank(s)) {
        violations_add(errs, pointer, "empty", "must not be empty");
        return NULL;
    }
    if (json_string_length(value) > (size_t)max) {
        violations_add(errs, pointer, "too_long", "must be at most %d bytes of UTF-8", max);
        return NULL;
    }
    if (has_control(s, multiline)) {
        violations_add(errs, pointer, "format", "must not contain control characters");
        return NULL;
    }
    return s;
}

static const char *
read_code(json_t *value, const char *pointer, enum vocab_kind kind, struct parse *ctx)
{
    const char *code = read_string(value, pointer, 64, false, ctx->errs);

    if (code != NULL && !vocab_has(ctx->vocab, kind, code)) {
        violations_add(ctx->errs, pointer, "unknown_code", "is not one of the %s codes",
                       vocab_kind_name(kind));
        return NULL;
    }
    return code;
}

static const char *
read_time(json_t *value, const char *pointer, struct parse *ctx)
{
    const char *text = read_string(value, pointer, 64, false, ctx->errs);
    int64_t     epoch_s;

    if (text == NULL)
        return NULL;
    if (timestamp_parse_rfc3339(text, &epoch_s) != 0) {
        violations_add(ctx->errs, pointer, "format",
                       "must be an RFC 3339 time with an offset, e.g. 2020-10-30T12:00:00+08:00");
        return NULL;
    }
    if (epoch_s > ctx->now_s + REPORT_FUTURE_SKEW_S || epoch_s < REPORT_EARLIEST_S) {
        violations_add(ctx->errs, pointer, "range",
                       "must not be in the future nor before 1990-01-01");
        return NULL;
    }
    return text;
}

static const char *
read_region(json_t *value, const char *pointer, struct parse *ctx)
{
    const char *code = read_string(value, pointer, 64, false, ctx->errs);

    if (code == NULL)
        return NULL;
    if (strlen(code) != 6 || strspn(code, "0123456789") != 6) {
        violations_add(ctx->errs, pointer, "format",
                       "must be a six-digit GB/T 2260 division code such as 441900");
        return NULL;
    }
    if (!vocab_has(ctx->vocab, VOCAB_REGION, code)) {
        violations_add(ctx->errs, pointer, "unknown_code",
                       "is not a GB/T 2260 administrative division code");
        return NULL;
    }
    return code;
}

/* A list member: an array of at most REPORT_LIST_MAX items. Returns the
 * item count, or -1 after a violation (the items are then not checked). */
static long
list_length(json_t *value, const char *pointer, struct violations *errs)
{
    if (!json_is_array(value)) {
        violations_add(errs, pointer, "type", "must be an array");
        return -1;
    }
    if (json_array_size(value) > REPORT_LIST_MAX) {
        violations_add(errs, pointer, "too_long", "must have at most %d items", REPORT_LIST_MAX);
        return -1;
    }
    return (long)json_array_size(value);
}

static int
read_phones(json_t *value, const char *pointer, struct parse *ctx)
{
    struct report *report = ctx->report;
    char           item[VIOLATION_POINTER_MAX];
    long           count = list_length(value, pointer, ctx->errs);

    if (count <= 0)
        return 0;       /* empty, or already reported */
    report->phones = calloc((size_t)count, sizeof(report->phones[0]));
    if (report->phones == NULL)
        return -1;
    for (size_t i = 0; i < (size_t)count; i++) {
        struct report_phone *phone = &report->phones[report->phone_count];
        json_t              *raw = json_array_get(value, i);

        violations_pointer_index(item, sizeof(item), pointer, i);
        phone->raw = read_string(raw, item, PHONE_RAW_MAX, false, ctx->errs);
        if (phone->raw == NULL)
            continue;
        /* An unparseable number is still evidence: keep it raw, flagged. */
        phone->normalised =
            phone_normalise(phone->raw, json_string_length(raw), &phone->phone) == 0;
        report->phone_count++;
    }
    return 0;
}

static bool
has_space(const char *s)
{
    return strpbrk(s, " \t\r\n\v\f") != NULL;
}

static int
read_urls(json_t *value, const char *pointer, struct parse *ctx)
{
    struct report *report = ctx->report;
    char           item[VIOLATION_POINTER_MAX];
    long           count = list_length(value, pointer, ctx->errs);

    if (count <= 0)
        return 0;       /* empty, or already reported */
    report->urls = calloc((size_t)count, sizeof(report->urls[0]));
    if (report->urls == NULL)
        return -1;
    for (size_t i = 0; i < (size_t)count; i++) {
        const char *url;

        violations_pointer_index(item, sizeof(item), pointer, i);
        url = read_string(json_array_get(value, i), item, REPORT_URL_MAX, false, ctx->errs);
        if (url == NULL)
            continue;
        if (has_space(url)) {
            violations_add(ctx->errs, item, "format", "must not contain white space");
            continue;
        }
        report->urls[report->url_count++] = url;
    }
    return 0;
}

static int parse_object(json_t *object, const char *pointer, const struct member *members,
                        size_t member_count, void *target, struct parse *ctx);

static int
read_named(json_t *value, const char *pointer, const struct named *named, struct parse *ctx)
{
    char                 item[VIOLATION_POINTER_MAX];
    struct report_named *list;
    size_t              *count_out = (size_t *)((char *)ctx->report + named->count_offset);
    long                 count = list_length(value, pointer, ctx->errs);

    if (count <= 0)
        return 0;       /* empty, or already reported */
    list = calloc((size_t)count, sizeof(list[0]));
    if (list == NULL)
        return -1;
    memcpy((char *)ctx->report + named->list_offset, &list, sizeof(list));
    for (size_t i = 0; i < (size_t)count; i++) {
        violations_pointer_index(item, sizeof(item), pointer, i);
        int rc = parse_object(json_array_get(value, i), item, named->members, 2,
                              &list[*count_out], ctx);

        if (rc < 0)
            return -1;
        if (rc == 0)
            (*count_out)++;
    }
    return 0;
}

/* Reads one member into target. Returns -1 only when out of memory;
 * invalid values are recorded in ctx->errs. */
static int
read_member(const struct member *m, json_t *value, const char *pointer, void *target,
            struct parse *ctx)
{
    switch (m->kind) {
    case MEMBER_CODE:
        set_string(target, m->offset, read_code(value, pointer, (enum vocab_kind)m->limit, ctx));
        return 0;
    case MEMBER_LINE:
    case MEMBER_TEXT:
        set_string(target, m->offset,
                   read_string(value, pointer, m->limit, m->kind == MEMBER_TEXT, ctx->errs));
        return 0;
    case MEMBER_TIME:
        set_string(target, m->offset, read_time(value, pointer, ctx));
        return 0;
    case MEMBER_REGION:
        set_string(target, m->offset, read_region(value, pointer, ctx));
        return 0;
    case MEMBER_LOSS:
        ctx->report->has_loss =
            money_parse(value, pointer, ctx->vocab, &ctx->report->loss, ctx->errs) == 0;
        return 0;
    case MEMBER_PHONES:
        return read_phones(value, pointer, ctx);
    case MEMBER_URLS:
        return read_urls(value, pointer, ctx);
    case MEMBER_NAMED:
        return read_named(value, pointer, m->named, ctx);
    case MEMBER_VICTIM:
        return parse_object(value, pointer, victim_members, COUNT(victim_members), target, ctx) < 0
                   ? -1 : 0;
    }
    return 0;
}

static const struct member *
find_member(const struct member *members, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(members[i].name, name) == 0)
            return &members[i];
    return NULL;
}

/* Checks an object against its member table: unknown members, required
 * ones, and each value. Returns 0 when no violation was added, 1 when some
 * were, -1 when out of memory. */
static int
parse_object(json_t *object, const char *pointer, const struct member *members,
             size_t member_count, void *target, struct parse *ctx)
{
    size_t      errors_before = ctx->errs->count + ctx->errs->dropped;
    char        child[VIOLATION_POINTER_MAX];
    const char *key;
    json_t     *value;

    if (!json_is_object(object)) {
        violations_add(ctx->errs, pointer, "type", "must be an object");
        return 1;
    }
    json_object_foreach(object, key, value) {
        violations_pointer(child, sizeof(child), pointer, key);
        if (find_member(members, member_count, key) == NULL)
            violations_add(ctx->errs, child, "unknown_field", "is not a member of this object");
    }
    for (size_t i = 0; i < member_count; i++) {
        const struct member *m = &members[i];

        violations_pointer(child, sizeof(child), pointer, m->name);
        value = json_object_get(object, m->name);
        if (value == NULL || json_is_null(value)) {
            if (m->required)
                violations_add(ctx->errs, child, "required", "is required");
            continue;
        }
        if (read_member(m, value, child, target, ctx) != 0)
            return -1;
    }
    return ctx->errs->count + ctx->errs->dropped == errors_before ? 0 : 1;
}

static bool
is_absent(json_t *value)
{
    return value == NULL || json_is_null(value);
}

/* Rules that span members: who may send personal data and case fields,
 * and that a report names at least one thing of the scammer's. */
static void
check_cross_rules(json_t *doc, struct parse *ctx)
{
    static const char *const indicator_lists[] = {"phones", "apps", "accounts", "urls",
                                                  "chat_ids"};
    static const char *const case_fields[] = {"case_number", "station"};
    const struct report     *r = ctx->report;
    json_t                  *source = json_object_get(doc, "source");
    bool police = json_is_string(source) && strcmp(json_string_value(source), "police") == 0;
    size_t items = 0;

    if (!police) {
        if (r->victim_name != NULL)
            violations_add(ctx->errs, "/victim/name", "not_allowed",
                           "is accepted only on police reports");
        if (r->victim_contact != NULL)
            violations_add(ctx->errs, "/victim/contact", "not_allowed",
                           "is accepted only on police reports");
    }
    for (size_t i = 0; i < COUNT(case_fields); i++) {
        char    pointer[32];
        json_t *value = json_object_get(doc, case_fields[i]);

        snprintf(pointer, sizeof(pointer), "/%s", case_fields[i]);
        if (!police && !is_absent(value))
            violations_add(ctx->errs, pointer, "not_allowed", "is accepted only on police reports");
        if (police && is_absent(value))
            violations_add(ctx->errs, pointer, "required", "is required on police reports");
    }
    for (size_t i = 0; i < COUNT(indicator_lists); i++) {
        json_t *list = json_object_get(doc, indicator_lists[i]);

        if (json_is_array(list))
            items += json_array_size(list);
    }
    if (items == 0)
        violations_add(ctx->errs, "", "indicator_required",
                       "name at least one phone, app, account, URL or chat id of the scammer");
}

int
report_parse(json_t *doc, const struct vocab *vocab, int64_t now_s, struct report *out,
             struct violations *errs)
{
    struct parse ctx = {vocab, now_s, errs, out};
    int          rc;

    memset(out, 0, sizeof(*out));
    out->doc = json_incref(doc);
    rc = parse_object(doc, "", report_members, COUNT(report_members), out, &ctx);
    if (rc < 0) {
        violations_add(errs, "", "internal", "out of memory");
        return -1;
    }
    if (json_is_object(doc))
        check_cross_rules(doc, &ctx);
    return errs->count + errs->dropped == 0 ? 0 : -1;
}

void
report_release(struct report *report)
{
    free(report->phones);
    free(report->apps);
    free(report->accounts);
    free(report->urls);
    free(report->chat_ids);
    json_decref(report->doc);
    memset(report, 0, sizeof(*report));
}

bool
report_unknown_codes(const struct violations *errs)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strcmp(errs->items[i].code, "unknown_code") == 0)
            return true;
    return false;
}

int
report_parse_member(const char *name, json_t *value, const char *pointer,
                    const struct vocab *vocab, int64_t now_s, struct report *out,
                    struct violations *errs)
{
    struct parse         ctx = {vocab, now_s, errs, out};
    const struct member *m = find_member(report_members, COUNT(report_members), name);

    if (m == NULL)
        return -1;
    if (is_absent(value))
        return 0;
    return read_member(m, value, pointer, out, &ctx);
}

const char *
report_parse_code(json_t *value, const char *pointer, enum vocab_kind kind,
                  const struct vocab *vocab, struct violations *errs)
{
    struct parse ctx = {vocab, 0, errs, NULL};

    return read_code(value, pointer, kind, &ctx);
}

bool
report_is_id(const char *text)
{
    static const size_t dash_at[] = {8, 13, 18, 23};
    size_t              dashes = 0;

    if (strlen(text) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (dashes < COUNT(dash_at) && i == dash_at[dashes]) {
            if (text[i] != '-')
                return false;
            dashes++;
        } else if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}
