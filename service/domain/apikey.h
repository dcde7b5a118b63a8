/*
 * API keys: their text form, how one is made, how one is read from an
 * Authorization header, and how it is compared with what is stored. No
 * HTTP and no SQL here; the store keeps only a key's prefix and hash.
 *
 * A key reads fi_<prefix>_<secret>: the prefix is 8 characters naming the
 * key in logs and on the command line (5 random bytes), the secret 52
 * characters (32 random bytes), both in lowercase RFC 4648 base32 without
 * padding. Only the whole key's SHA-256 is ever stored.
 */
#ifndef FRAUD_APIKEY_H
#define FRAUD_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

#define APIKEY_PREFIX_LEN 8
#define APIKEY_SECRET_LEN 52
/* "fi_" + prefix + "_" + secret: 64 characters. */
#define APIKEY_LEN        (3 + APIKEY_PREFIX_LEN + 1 + APIKEY_SECRET_LEN)
#define APIKEY_HASH_LEN   32

/* A freshly made key. Plain data; wipe it with apikey_wipe once the key
 * has been shown, so the secret does not linger in memory. */
struct apikey_new {
    char          key[APIKEY_LEN + 1];
    char          prefix[APIKEY_PREFIX_LEN + 1];
    unsigned char hash[APIKEY_HASH_LEN];
};

/* A key as presented in a request. Plain data, copied out of the header. */
struct apikey_bearer {
    char key[APIKEY_LEN + 1];
    char prefix[APIKEY_PREFIX_LEN + 1];
};

enum apikey_parse {
    APIKEY_PARSE_OK = 0,
    /* No credentials: no header, an empty one, or a scheme other than
     * Bearer (RFC 6750 3.1: answer 401 without an error code). */
    APIKEY_PARSE_MISSING,
    /* Bearer, but not exactly "Bearer <key>" with one space and a key of
     * the right shape (answer 401 with error="invalid_token"). */
    APIKEY_PARSE_MALFORMED,
};

/* Makes a new key from getrandom(2) and fills *out with it, its prefix
 * and its hash. Returns 0, or -1 (out zeroed) when no randomness or no
 * hash could be had. */
int apikey_generate(struct apikey_new *out);

/* A receipt token: "fr_" and 52 base32 characters (32 random bytes). It
 * lets whoever submitted a report read it back; like a key, only its
 * SHA-256 is stored. */
#define APIKEY_RECEIPT_LEN (3 + APIKEY_SECRET_LEN)

/* Makes a receipt token into token and the lowercase hex of its SHA-256
 * into hash_hex. Returns 0, or -1 when no randomness or hash could be had. */
int apikey_receipt(char token[APIKEY_RECEIPT_LEN + 1], char hash_hex[2 * APIKEY_HASH_LEN + 1]);

/* Zeroes *key in a way the compiler may not drop. */
void apikey_wipe(struct apikey_new *key);

/* Reads an Authorization header value of len bytes (borrowed; NULL when
 * the request had none). The scheme is case-insensitive, the key is not;
 * a NUL byte anywhere makes it malformed rather than cut short. Fills *out
 * only on APIKEY_PARSE_OK. */
enum apikey_parse apikey_parse_bearer(const char *value, size_t len, struct apikey_bearer *out);

/* SHA-256 of len bytes of key into out. Returns 0, or -1 when libcrypto
 * fails. */
int apikey_hash(const char *key, size_t len, unsigned char out[APIKEY_HASH_LEN]);

/* Whether two hashes are equal, in time that does not depend on where
 * they differ. */
bool apikey_hash_equal(const unsigned char a[APIKEY_HASH_LEN],
                       const unsigned char b[APIKEY_HASH_LEN]);

/* Whether the presented key hashes to stored_hash. stored_hash NULL (an
 * unknown prefix) still hashes the key and compares it with a fixed dummy,
 * so an unknown prefix costs what a known one does, and returns false. */
bool apikey_verify(const struct apikey_bearer *presented,
                   const unsigned char *stored_hash);

#endif
