/*
 * Role codes and their bits.
 */
#include "domain/role.h"

#include <stddef.h>
#include <string.h>

static const struct {
    unsigned    role;
    const char *code;
} roles[] = {
    {ROLE_PUBLIC, "public"},
    {ROLE_POLICE, "police"},
    {ROLE_ANALYST, "analyst"},
    {ROLE_ADMIN, "admin"},
};

unsigned
role_from_code(const char *code)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(roles[i].code, code) == 0)
            return roles[i].role;
    return 0;
}

const char *
role_code(unsigned role)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (roles[i].role == role)
            return roles[i].code;
    return "";
}
