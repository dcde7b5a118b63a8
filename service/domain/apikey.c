/*
 * API keys: generation from the kernel's random source, the strict reading
 * of "Authorization: Bearer <key>", and SHA-256 through libcrypto.
 */
#include "domain/apikey.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define PREFIX_BYTES 5
#define SECRET_BYTES 32

static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Compared against when a prefix is unknown: any fixed value will do, as
 * long as the same work is done as for a known prefix. */
static const unsigned char dummy_hash[APIKEY_HASH_LEN] = {
    0x5a, 0x1c, 0x9e, 0x33, 0x70, 0x0b, 0xd4, 0x62, 0x8f, 0x21, 0xe7, 0x4d, 0x96, 0x38, 0xaa, 0x05,
    0xc3, 0x7e, 0x12, 0xf0, 0x6b, 0x49, 0xd8, 0x2e, 0x81, 0x57, 0x3a, 0xbc, 0x0f, 0xe6, 0x94, 0x2d,
};

/* Fills len bytes from getrandom(2). Returns 0 or -1. */
static int
random_bytes(unsigned char *out, size_t len)
{
    while (len > 0) {
        ssize_t got = getrandom(out, len, 0);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        out += got;
        len -= (size_t)got;
    }
    return 0;
}

/* Writes the unpadded base32 of len bytes into out, which has room for
 * (len * 8 + 4) / 5 characters and the NUL. */
static void
base32_encode(const unsigned char *in, size_t len, char *out)
{
    unsigned bits = 0;
    unsigned buffer = 0;

    for (size_t i = 0; i < len; i++) {
        buffer = (buffer << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            *out++ = base32_alphabet[(buffer >> bits) & 0x1f];
        }
    }
    /* The last character carries the remaining bits, padded with zeros. */
    if (bits > 0)
        *out++ = base32_alphabet[(buffer << (5 - bits)) & 0x1f];
    *out = '\0';
}

static bool
is_base32(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0' || strchr(base32_alphabet, text[i]) == NULL)
            return false;
    return true;
}

int
apikey_generate(struct apikey_new *out)
{
    unsigned char prefix_bytes[PREFIX_BYTES];
    unsigned char secret_bytes[SECRET_BYTES];
    char          secret[APIKEY_SECRET_LEN + 1];
    int           rc = -1;

    memset(out, 0, sizeof(*out));
    if (random_bytes(prefix_bytes, sizeof(prefix_bytes)) != 0
        || random_bytes(secret_bytes, sizeof(secret_bytes)) != 0)
        goto out;
    base32_encode(prefix_bytes, sizeof(prefix_bytes), out->prefix);
    base32_encode(secret_bytes, sizeof(secret_bytes), secret);
    memcpy(out->key, "fi_", 3);
    memcpy(out->key + 3, out->prefix, APIKEY_PREFIX_LEN);
    out->key[3 + APIKEY_PREFIX_LEN] = '_';
    memcpy(out->key + 4 + APIKEY_PREFIX_LEN, secret, APIKEY_SECRET_LEN + 1);
    rc = apikey_hash(out->key, APIKEY_LEN, out->hash);
out:
    OPENSSL_cleanse(secret_bytes, sizeof(secret_bytes));
    OPENSSL_cleanse(secret, sizeof(secret));
    if (rc != 0)
        apikey_wipe(out);
    return rc;
}

void
apikey_wipe(struct apikey_new *key)
{
    OPENSSL_cleanse(key, sizeof(*key));
}

/* Whether key (exactly APIKEY_LEN bytes) has the shape of a key. 32 bytes
 * are 256 bits, 51 characters and one bit: the last character's four low
 * bits are padding and must be zero ('a' or 'q'), so one key has one text. */
static bool
is_key_shape(const char *key)
{
    const char *prefix = key + 3;
    const char *secret = prefix + APIKEY_PREFIX_LEN + 1;
    char        last = secret[APIKEY_SECRET_LEN - 1];

    return memcmp(key, "fi_", 3) == 0 && is_base32(prefix, APIKEY_PREFIX_LEN)
        && prefix[APIKEY_PREFIX_LEN] == '_' && is_base32(secret, APIKEY_SECRET_LEN)
        && (last == 'a' || last == 'q');
}

enum apikey_parse
apikey_parse_bearer(const char *value, size_t len, struct apikey_bearer *out)
{
    static const char scheme[] = "bearer";
    const size_t      scheme_len = sizeof(scheme) - 1;
    size_t            scheme_end = 0;

    if (value == NULL || len == 0)
        return APIKEY_PARSE_MISSING;
    while (scheme_end < len && value[scheme_end] != ' ' && value[scheme_end] != '\t')
        scheme_end++;
    if (scheme_end != scheme_len || strncasecmp(value, scheme, scheme_len) != 0)
        return APIKEY_PARSE_MISSING;
    /* Exactly one space, then exactly one key: no tabs, no padding. */
    if (len != scheme_len + 1 + APIKEY_LEN || value[scheme_len] != ' '
        || !is_key_shape(value + scheme_len + 1))
        return APIKEY_PARSE_MALFORMED;
    memcpy(out->key, value + scheme_len + 1, APIKEY_LEN);
    out->key[APIKEY_LEN] = '\0';
    memcpy(out->prefix, out->key + 3, APIKEY_PREFIX_LEN);
    out->prefix[APIKEY_PREFIX_LEN] = '\0';
    return APIKEY_PARSE_OK;
}

int
apikey_hash(const char *key, size_t len, unsigned char out[APIKEY_HASH_LEN])
{
    unsigned int out_len = 0;

    if (EVP_Digest(key, len, out, &out_len, EVP_sha256(), NULL) != 1
        || out_len != APIKEY_HASH_LEN)
        return -1;
    return 0;
}

bool
apikey_hash_equal(const unsigned char a[APIKEY_HASH_LEN], const unsigned char b[APIKEY_HASH_LEN])
{
    return CRYPTO_memcmp(a, b, APIKEY_HASH_LEN) == 0;
}

bool
apikey_verify(const struct apikey_bearer *presented, const unsigned char *stored_hash)
{
    unsigned char presented_hash[APIKEY_HASH_LEN];
    bool          equal;

    if (apikey_hash(presented->key, APIKEY_LEN, presented_hash) != 0)
        return false;
    equal = apikey_hash_equal(presented_hash, stored_hash != NULL ? stored_hash : dummy_hash);
    return equal && stored_hash != NULL;
}

int
apikey_receipt(char token[APIKEY_RECEIPT_LEN + 1], char hash_hex[2 * APIKEY_HASH_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char     bytes[SECRET_BYTES];
    unsigned char     hash[APIKEY_HASH_LEN];

    if (random_bytes(bytes, sizeof(bytes)) != 0)
        return -1;
    memcpy(token, "fr_", 3);
    base32_encode(bytes, sizeof(bytes), token + 3);
    OPENSSL_cleanse(bytes, sizeof(bytes));
    if (apikey_hash(token, APIKEY_RECEIPT_LEN, hash) != 0)
        return -1;
    for (size_t i = 0; i < APIKEY_HASH_LEN; i++) {
        hash_hex[2 * i] = digits[hash[i] >> 4];
        hash_hex[2 * i + 1] = digits[hash[i] & 0x0f];
    }
    hash_hex[2 * APIKEY_HASH_LEN] = '\0';
    return 0;
}
