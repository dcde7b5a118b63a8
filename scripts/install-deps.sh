#!/usr/bin/env bash
#
# Installs the Debian 12 packages needed to build, run and test fraud-intake.
# Only what is missing: when everything is present it returns at once,
# without touching apt, so `make run` and `make test` may call it every time.
set -euo pipefail

packages=(
    build-essential     # gcc, g++ (libphonenumber is C++), make
    pkg-config
    libmicrohttpd-dev
    libjansson-dev
    libpq-dev
    libssl-dev          # libcrypto: SHA-256 of API keys, constant-time compare
    libphonenumber-dev
    check               # unit and HTTP test framework
    libsubunit-dev      # check's pkg-config file links -lsubunit
    libcurl4-openssl-dev # the HTTP tests' client
    openssl             # the TLS test makes a throwaway certificate
    curl                # scripts/test.sh waits for /healthz with it
    postgresql-15       # initdb/postgres for the private dev and test clusters
    postgresql-client-15
    acl                 # setfacl: lets the PostgreSQL user through a 0700 home
)

# `install-deps.sh fuzz` adds what make fuzz needs: clang and its libFuzzer.
if [[ ${1:-} == fuzz ]]; then
    packages+=(clang libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
    # "ii" = wanted and installed; anything else (absent, half-configured,
    # removed with config left) needs apt.
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null) || status=
    [[ $status == ii* ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ $EUID -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: as root, run:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
# env, not a plain assignment, so the variable survives sudo.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
