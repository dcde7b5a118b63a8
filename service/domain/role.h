/*
 * Roles: what a key may do. Each is one bit, so a route lists the roles it
 * admits as a set. The codes are those of the roles table (0010).
 */
#ifndef FRAUD_ROLE_H
#define FRAUD_ROLE_H

enum role {
    /* Submits reports, reads back its own by receipt token, looks up an
     * indicator with suppressed counts. */
    ROLE_PUBLIC = 1u << 0,
    /* Submits cases with victim details; reads and updates its own
     * organisation's reports. */
    ROLE_POLICE = 1u << 1,
    /* Trends, lists and lookups, never victim personal data. */
    ROLE_ANALYST = 1u << 2,
    /* Keys and organisations; the audit trail. */
    ROLE_ADMIN = 1u << 3,
};

#define ROLE_ANY (ROLE_PUBLIC | ROLE_POLICE | ROLE_ANALYST | ROLE_ADMIN)

/* Not a role of keys: in a route's set, it lets callers without a key in,
 * as public, when anonymous submissions are enabled. */
#define ROLE_ANONYMOUS (1u << 4)

/* The role of a code ("police"), or 0 for an unknown code. Borrows code. */
unsigned role_from_code(const char *code);

/* The code of one role bit ("police"), or "" when role is not one bit. */
const char *role_code(unsigned role);

#endif
