#!/usr/bin/env bash
# System packages the test suite needs: PostgreSQL 15 (server), headless Chromium + driver, poppler-utils,
# npm (fetches axe-core for the accessibility tests).
# Installs only what is missing, and only when it can (root with apt-get); otherwise says what is missing.
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)  # SAML signatures (pysaml2)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "warning: missing system packages: ${need[*]} (install them with apt-get as root)" >&2
fi
