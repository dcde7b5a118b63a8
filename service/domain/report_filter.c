/*
 * Query parameters of the report list, one table row per parameter. A
 * value is refused with a reason rather than matched against nothing, so
 * a typo in a code or a time shows up as a 400, not as an empty page.
 */
#include "domain/report_filter.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "domain/phone.h"
#include "domain/report.h"
#include "domain/timestamp.h"
#include "domain/utf8.h"

/* Cursor times stop at 2^53 - 1 microseconds (year 2255): the store turns
 * them into a timestamptz through a double, exact up to there. */
#define CURSOR_US_MAX 9007199254740991LL
/* Time filters between 1900-01-01 and 9999-12-31 (UTC): PostgreSQL reads
 * both ends, and nothing outside them can match a report. */
#define TIME_EARLIEST_S (-2208988800LL)
#define TIME_LATEST_S   253402300799LL

enum param_kind {
    PARAM_LIMIT,
    PARAM_CURSOR,
    PARAM_CODE,     /* a code of list `vocab`, into a const char * member */
    PARAM_TEXT,     /* exact text of at most `max` bytes, into a const char * member */
    PARAM_REGION,
    PARAM_PHONE,
    PARAM_TIME,     /* RFC 3339, into a char[REPORT_FILTER_TIME_MAX] member */
};

struct param {
    const char     *name;
    enum param_kind kind;
    enum vocab_kind vocab;
    size_t          max;
    size_t          offset;
};

#define F(member) offsetof(struct report_filter, member)

static const struct param params[] = {
    {"limit", PARAM_LIMIT, 0, 0, 0},
    {"cursor", PARAM_CURSOR, 0, 0, 0},
    {"source", PARAM_CODE, VOCAB_SOURCE, 0, F(source)},
    {"scam_type", PARAM_CODE, VOCAB_SCAM_TYPE, 0, F(scam_type)},
    {"stage", PARAM_CODE, VOCAB_STAGE, 0, F(stage)},
    {"stage_min", PARAM_CODE, VOCAB_STAGE, 0, F(stage_min)},
    {"channel", PARAM_CODE, VOCAB_CHANNEL, 0, F(channel)},
    {"status", PARAM_CODE, VOCAB_CASE_STATUS, 0, F(status)},
    {"region", PARAM_REGION, 0, 0, 0},
    {"occurred_from", PARAM_TIME, 0, 0, F(occurred_from)},
    {"occurred_to", PARAM_TIME, 0, 0, F(occurred_to)},
    {"reported_from", PARAM_TIME, 0, 0, F(reported_from)},
    {"reported_to", PARAM_TIME, 0, 0, F(reported_to)},
    {"app", PARAM_TEXT, 0, REPORT_NAME_MAX, F(app)},
    {"phone", PARAM_PHONE, 0, 0, 0},
    {"account", PARAM_TEXT, 0, REPORT_NAME_MAX, F(account)},
    {"station", PARAM_TEXT, 0, REPORT_PERSON_MAX, F(station)},
};

#define PARAM_COUNT (sizeof(params) / sizeof(params[0]))

/* report_filter.given has a bit for each row of params[]. */
_Static_assert(PARAM_COUNT <= 32, "report_filter.given has one bit per parameter");

void
report_filter_init(struct report_filter *filter)
{
    memset(filter, 0, sizeof(*filter));
    filter->limit = REPORT_FILTER_LIMIT_DEFAULT;
}

static bool
all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* 8-4-4-4-12 lower-case hexadecimal digits, as PostgreSQL prints a uuid. */
static bool
is_canonical_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

static const char base64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* RFC 4648 section 5, without padding. */
static void
base64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t bits = (uint32_t)in[i] << 16;
        size_t   left = len - i;

        if (left > 1)
            bits |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            bits |= in[i + 2];
        out[o++] = base64url[(bits >> 18) & 63];
        out[o++] = base64url[(bits >> 12) & 63];
        if (left > 1)
            out[o++] = base64url[(bits >> 6) & 63];
        if (left > 2)
            out[o++] = base64url[bits & 63];
    }
    out[o] = '\0';
}

/* Decodes into out (size bytes, NUL-terminated). Returns the decoded
 * length, or -1 for a character outside the alphabet or too long an input. */
static long
base64url_decode(const char *in, char *out, size_t size)
{
    uint32_t bits = 0;
    int      held = 0;
    size_t   o = 0;

    for (; *in != '\0'; in++) {
        const char *at = strchr(base64url, *in);

        if (at == NULL)
            return -1;
        bits = (bits << 6) | (uint32_t)(at - base64url);
        held += 6;
        if (held >= 8) {
            held -= 8;
            if (o + 1 >= size)
                return -1;
            out[o++] = (char)((bits >> held) & 0xFF);
        }
    }
    out[o] = '\0';
    return (long)o;
}

int
report_filter_cursor_encode(int64_t epoch_us, const char *id, char *out, size_t size)
{
    char text[64];
    int  len;

    if (epoch_us < 0 || epoch_us > CURSOR_US_MAX || !is_canonical_uuid(id)
        || size < REPORT_FILTER_CURSOR_MAX)
        return -1;
    len = snprintf(text, sizeof(text), "%" PRId64 ".%s", epoch_us, id);
    base64url_encode((const unsigned char *)text, (size_t)len, out);
    return 0;
}

/* A cursor names a position; it is not signed. Only the exact text
 * report_filter_cursor_encode writes for some position is accepted:
 * anything cut, padded, re-encoded or edited into garbage is refused. */
static int
cursor_decode(const char *cursor, int64_t *epoch_us, char id[37])
{
    char        text[REPORT_FILTER_CURSOR_MAX];
    char        again[REPORT_FILTER_CURSOR_MAX];
    const char *dot;
    int64_t     us = 0;

    if (strlen(cursor) >= REPORT_FILTER_CURSOR_MAX
        || base64url_decode(cursor, text, sizeof(text)) < 0)
        return -1;
    dot = strchr(text, '.');
    if (dot == NULL || dot == text || dot - text > 16)
        return -1;
    for (const char *p = text; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        us = us * 10 + (*p - '0');
    }
    if (!is_canonical_uuid(dot + 1))
        return -1;
    if (report_filter_cursor_encode(us, dot + 1, again, sizeof(again)) != 0
        || strcmp(again, cursor) != 0)
        return -1;
    *epoch_us = us;
    memcpy(id, dot + 1, 37);
    return 0;
}

static int
set_limit(struct report_filter *filter, const char *name, const char *value,
          struct violations *errs)
{
    unsigned limit = 0;

    if (!all_digits(value) || strlen(value) > 3) {
        violations_add(errs, name, "range", "must be an integer from 1 to %d",
                       REPORT_FILTER_LIMIT_MAX);
        return -1;
    }
    for (const char *p = value; *p != '\0'; p++)
        limit = limit * 10 + (unsigned)(*p - '0');
    if (limit < 1 || limit > REPORT_FILTER_LIMIT_MAX) {
        violations_add(errs, name, "range", "must be an integer from 1 to %d",
                       REPORT_FILTER_LIMIT_MAX);
        return -1;
    }
    filter->limit = limit;
    return 0;
}

static int
set_cursor(struct report_filter *filter, const char *name, const char *value,
           struct violations *errs)
{
    if (cursor_decode(value, &filter->cursor_us, filter->cursor_id) != 0) {
        violations_add(errs, name, "format",
                       "is not a cursor this service gave out; use the next member of a page");
        return -1;
    }
    filter->has_cursor = true;
    return 0;
}

/* A region code: the prefix, then `fill` up to six digits. */
static void
region_code(char out[7], const char *prefix, size_t len, char fill)
{
    memcpy(out, prefix, len);
    memset(out + len, fill, 6 - len);
    out[6] = '\0';
}

/* "44" province, "4419" prefecture, "441900" one code; each must be a
 * known division, so a prefix that names nothing is a 400. */
static int
set_region(struct report_filter *filter, const struct vocab *vocab, const char *name,
           const char *value, struct violations *errs)
{
    size_t len = strlen(value);
    char   code[7];

    if (!all_digits(value) || (len != 2 && len != 4 && len != 6)) {
        violations_add(errs, name, "format",
                       "must be 2, 4 or 6 digits of a GB/T 2260 code: 44, 4419 or 441900");
        return -1;
    }
    region_code(code, value, len, '0');
    if (!vocab_has(vocab, VOCAB_REGION, code)) {
        violations_add(errs, name, "unknown_code", "names no GB/T 2260 division");
        return -1;
    }
    if (len == 6) {
        memcpy(filter->region_exact, code, sizeof(code));
    } else {
        memcpy(filter->region_low, code, sizeof(code));
        region_code(filter->region_high, value, len, '9');
    }
    return 0;
}

static int
set_phone(struct report_filter *filter, const char *name, const char *value,
          struct violations *errs)
{
    struct phone phone;

    if (phone_normalise(value, strlen(value), &phone) != 0) {
        violations_add(errs, name, "format",
                       "is not a phone number that can be normalised (send a leading + as %%2B)");
        return -1;
    }
    memcpy(filter->phone_e164, phone.e164, sizeof(filter->phone_e164));
    return 0;
}

/* RFC 3339 with an offset. A '+' in a query string arrives as a space
 * when the client did not encode it as %2B; it is taken back here, since
 * a space is never part of the time itself. */
static int
set_time(char *out, const char *name, const char *value, struct violations *errs)
{
    static const char example[] = "must be an RFC 3339 time such as 2020-10-30T12:00:00+08:00";
    int64_t           epoch_s;
    size_t            len = strlen(value);

    if (len >= REPORT_FILTER_TIME_MAX) {
        violations_add(errs, name, "format", "%s", example);
        return -1;
    }
    for (size_t i = 0; i <= len; i++)
        out[i] = value[i] == ' ' ? '+' : value[i] == 't' ? 'T' : value[i] == 'z' ? 'Z' : value[i];
    if (timestamp_parse_rfc3339(out, &epoch_s) != 0) {
        out[0] = '\0';
        violations_add(errs, name, "format", "%s", example);
        return -1;
    }
    if (epoch_s < TIME_EARLIEST_S || epoch_s > TIME_LATEST_S) {
        out[0] = '\0';
        violations_add(errs, name, "range", "must be from year 1900 to 9999");
        return -1;
    }
    return 0;
}

static int
set_text(const char **out, const struct param *param, const char *value, struct violations *errs)
{
    if (!utf8_valid(value) || utf8_has_control(value)) {
        violations_add(errs, param->name, "format",
                       "must be UTF-8 text without control characters");
        return -1;
    }
    if (strlen(value) > param->max) {
        violations_add(errs, param->name, "too_long", "must be at most %zu bytes of UTF-8",
                       param->max);
        return -1;
    }
    *out = value;
    return 0;
}

static int
set_code(const char **out, const struct param *param, const struct vocab *vocab,
         const char *value, struct violations *errs)
{
    if (!vocab_has(vocab, param->vocab, value)) {
        violations_add(errs, param->name, "unknown_code", "is not one of the %s codes",
                       vocab_kind_name(param->vocab));
        return -1;
    }
    *out = value;
    return 0;
}

static int
set_value(struct report_filter *filter, const struct param *param, const struct vocab *vocab,
          const char *value, struct violations *errs)
{
    char *member = (char *)filter + param->offset;

    switch (param->kind) {
    case PARAM_LIMIT:
        return set_limit(filter, param->name, value, errs);
    case PARAM_CURSOR:
        return set_cursor(filter, param->name, value, errs);
    case PARAM_CODE:
        return set_code((const char **)(void *)member, param, vocab, value, errs);
    case PARAM_TEXT:
        return set_text((const char **)(void *)member, param, value, errs);
    case PARAM_REGION:
        return set_region(filter, vocab, param->name, value, errs);
    case PARAM_PHONE:
        return set_phone(filter, param->name, value, errs);
    case PARAM_TIME:
        return set_time(member, param->name, value, errs);
    }
    return -1;
}

int
report_filter_set(struct report_filter *filter, const struct vocab *vocab, const char *name,
                  const char *value, struct violations *errs)
{
    size_t i;

    if (!utf8_valid(name)) {
        violations_add(errs, "", "unknown_parameter", "a parameter name is not UTF-8");
        return -1;
    }
    for (i = 0; i < PARAM_COUNT && strcmp(params[i].name, name) != 0; i++)
        ;
    if (i == PARAM_COUNT) {
        violations_add(errs, name, "unknown_parameter", "is not a parameter of this list");
        return -1;
    }
    if (filter->given & (1u << i)) {
        violations_add(errs, name, "duplicate", "is given more than once");
        return -1;
    }
    filter->given |= 1u << i;
    if (value == NULL || value[0] == '\0') {
        violations_add(errs, name, "empty", "must not be empty");
        return -1;
    }
    return set_value(filter, &params[i], vocab, value, errs);
}
