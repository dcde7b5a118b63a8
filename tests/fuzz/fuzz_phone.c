/*
 * libFuzzer harness for the phone normaliser: any bytes, any length, no
 * NUL terminator; the result must always be a well-formed struct phone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct phone phone;
    int          rc = phone_normalise((const char *)data, size, &phone);

    /* Invariants a caller relies on: terminated strings, and E.164 as
     * "+" then 2..15 digits whenever the number was normalised. */
    if (memchr(phone.e164, '\0', sizeof(phone.e164)) == NULL
        || memchr(phone.type, '\0', sizeof(phone.type)) == NULL
        || memchr(phone.region, '\0', sizeof(phone.region)) == NULL)
        abort();
    if (rc == 0) {
        size_t digits = strspn(phone.e164 + 1, "0123456789");

        if (phone.e164[0] != '+' || digits < 2 || digits > 15 || phone.e164[1 + digits] != '\0')
            abort();
    }
    return 0;
}
