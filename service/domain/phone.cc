/*
 * phone_normalise(): a thin C shim over Google libphonenumber. It decides
 * which raw texts may reach the library at all (digits, plus signs, spaces
 * and separators), then parses with CN as the default region.
 */
#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/region_code.h>

extern "C" {
#include "domain/phone.h"
}

namespace {

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const char kDefaultRegion[] = "CN";
const int  kDefaultCallingCode = 86;

/* Fewer digits than this is a short code ("110") or a fragment, not a
 * number anyone can be called from. */
const size_t kMinDigits = 5;

/* ITU-T E.164 caps a number at 15 digits after the '+'; libphonenumber
 * parses up to 20, which would not even fit struct phone. */
const size_t kMaxE164Digits = 15;
static_assert(kMaxE164Digits + 2 <= sizeof(phone::e164),
              "'+', 15 digits and the NUL must fit phone.e164");

const char32_t kMalformed = 0xFFFFFFFF;

enum class Glyph { digit, plus, space, separator, other };

std::once_flag null_logger_once;

PhoneNumberUtil *
phone_util()
{
    PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();

    /* Library log lines may quote the number being parsed, and a reported
     * number must never reach a log. 8.12.57 already defaults to a NullLogger;
     * installing ours keeps that true whatever the build. It happens once,
     * before our first parse, because SetLogger deletes the logger it
     * replaces (and takes ownership of this one: the singleton lives, and
     * keeps it reachable, until exit). */
    std::call_once(null_logger_once, [util] { util->SetLogger(new NullLogger()); });
    return util;
}

/* Decodes one UTF-8 sequence at text[0..len) and stores its length in
 * *used; returns kMalformed for truncated, overlong or surrogate forms, so
 * that nothing libphonenumber would read differently gets past the scan. */
char32_t
decode_utf8(const unsigned char *text, size_t len, size_t *used)
{
    unsigned char lead = text[0];
    size_t        n;
    char32_t      code_point, smallest;

    *used = 1;
    if (lead < 0x80)
        return lead;
    if ((lead & 0xE0) == 0xC0) {
        n = 2;
        code_point = lead & 0x1F;
        smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        n = 3;
        code_point = lead & 0x0F;
        smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        n = 4;
        code_point = lead & 0x07;
        smallest = 0x10000;
    } else {
        return kMalformed;
    }
    if (n > len)
        return kMalformed;
    for (size_t i = 1; i < n; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return kMalformed;
        code_point = code_point << 6 | (text[i] & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF))
        return kMalformed;
    *used = n;
    return code_point;
}

/* What people put in a phone number as written, in ASCII and in the
 * fullwidth forms a Chinese input method produces. Everything else is
 * "other": letters of any script (libphonenumber would read ASCII ones as
 * keypad digits, "ext"/"x" as extensions, and skip leading words such as
 * 手机), '*' and '#' codes, ';' parameters, commas between two numbers. */
Glyph
classify(char32_t code_point)
{
    if ((code_point >= '0' && code_point <= '9') ||
        (code_point >= 0xFF10 && code_point <= 0xFF19))  /* ０-９ */
        return Glyph::digit;
    switch (code_point) {
    case '+':
    case 0xFF0B:                                          /* ＋ */
        return Glyph::plus;
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case 0x00A0:                                          /* no-break space */
    case 0x3000:                                          /* ideographic space */
        return Glyph::space;
    case '-':
    case '.':
    case '/':
    case '(':
    case ')':
    case 0x2010: case 0x2011: case 0x2012:                /* hyphens, dashes */
    case 0x2013: case 0x2014: case 0x2015:
    case 0x2212:                                          /* minus sign */
    case 0xFF08: case 0xFF09:                             /* （ ） */
    case 0xFF0D: case 0xFF0E: case 0xFF0F:                /* － ． ／ */
        return Glyph::separator;
    default:
        return Glyph::other;
    }
}

struct RawScan {
    bool   leading_plus = false;
    bool   only_number_glyphs = true;
    size_t digits = 0;
};

RawScan
scan_raw(const char *raw, size_t len)
{
    const unsigned char *text = reinterpret_cast<const unsigned char *>(raw);
    RawScan              scan;
    bool                 seen_non_space = false;
    size_t               used;

    for (size_t at = 0; at < len; at += used) {
        char32_t code_point = decode_utf8(text + at, len - at, &used);
        Glyph    glyph = code_point == kMalformed ? Glyph::other : classify(code_point);

        if (!seen_non_space && glyph != Glyph::space) {
            seen_non_space = true;
            scan.leading_plus = glyph == Glyph::plus;
        }
        if (glyph == Glyph::other) {
            scan.only_number_glyphs = false;
            break;
        }
        if (glyph == Glyph::digit)
            scan.digits++;
    }
    return scan;
}

const char *
type_name(PhoneNumberUtil::PhoneNumberType type)
{
    switch (type) {
    case PhoneNumberUtil::FIXED_LINE:           return "fixed_line";
    case PhoneNumberUtil::MOBILE:               return "mobile";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "fixed_line_or_mobile";
    case PhoneNumberUtil::TOLL_FREE:            return "toll_free";
    case PhoneNumberUtil::PREMIUM_RATE:         return "premium_rate";
    case PhoneNumberUtil::SHARED_COST:          return "shared_cost";
    case PhoneNumberUtil::VOIP:                 return "voip";
    case PhoneNumberUtil::PERSONAL_NUMBER:      return "personal_number";
    case PhoneNumberUtil::PAGER:                return "pager";
    case PhoneNumberUtil::UAN:                  return "uan";
    case PhoneNumberUtil::VOICEMAIL:            return "voicemail";
    case PhoneNumberUtil::UNKNOWN:              return "unknown";
    }
    return "unknown";
}

/* An ISO 3166-1 alpha-2 code, or "" for "ZZ" (several regions share the
 * calling code and the number is in none of them: +1, +44 ...) and for
 * "001" (non-geographic codes such as +800). */
void
copy_region(const std::string &region, char *dst, size_t size)
{
    bool alpha2 = region.size() == 2 && region != i18n::phonenumbers::RegionCode::GetUnknown() &&
                  std::all_of(region.begin(), region.end(),
                              [](char c) { return c >= 'A' && c <= 'Z'; });

    if (alpha2 && region.size() < size)
        std::memcpy(dst, region.c_str(), region.size() + 1);
}

/* Fills everything but leading_plus; out is zeroed by the caller. */
int
normalise_scanned(const char *raw, size_t len, const RawScan &scan, struct phone *out)
{
    PhoneNumberUtil *util;
    PhoneNumber      number;
    std::string      e164, region;

    if (!scan.only_number_glyphs || scan.digits < kMinDigits)
        return -1;
    util = phone_util();
    if (util->Parse(std::string(raw, len), kDefaultRegion, &number) !=
        PhoneNumberUtil::NO_PARSING_ERROR)
        return -1;
    /* The scan keeps out every extension marker; were one to slip through,
     * E.164 would silently drop its digits. */
    if (number.has_extension())
        return -1;
    util->Format(number, PhoneNumberUtil::E164, &e164);
    if (e164.size() < 2 || e164.size() - 1 > kMaxE164Digits)
        return -1;
    util->GetRegionCodeForNumber(number, &region);

    std::memcpy(out->e164, e164.c_str(), e164.size() + 1);
    out->international = number.country_code() != kDefaultCallingCode;
    out->valid = util->IsValidNumber(number);
    std::strcpy(out->type, type_name(util->GetNumberType(number)));
    copy_region(region, out->region, sizeof(out->region));
    return 0;
}

}  // namespace

extern "C" int
phone_normalise(const char *raw, size_t len, struct phone *out)
{
    RawScan scan;
    int     rc = -1;

    if (out == nullptr)
        return -1;
    std::memset(out, 0, sizeof(*out));
    if (raw == nullptr)
        return -1;

    /* The prefix decides leading_plus, so even a text too long reports it. */
    scan = scan_raw(raw, std::min(len, static_cast<size_t>(PHONE_RAW_MAX)));
    if (len > PHONE_RAW_MAX) {
        out->leading_plus = scan.leading_plus;
        return -1;
    }

    try {
        rc = normalise_scanned(raw, len, scan, out);
    } catch (...) {
        /* Out of memory inside libphonenumber or std::string: nothing may
         * unwind into C. */
        rc = -1;
    }
    if (rc != 0)
        std::memset(out, 0, sizeof(*out));
    out->leading_plus = scan.leading_plus;
    return rc;
}
