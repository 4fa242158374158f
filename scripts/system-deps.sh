#!/usr/bin/env bash
# System packages, in two sets:
#   run  – what the running app needs: xmlsec1 (SAML signatures, pysaml2). `make run` installs only these.
#   test – the run set plus what the test suite needs: PostgreSQL 15 (server), headless Chromium + driver,
#          poppler-utils (PDF text), npm (fetches axe-core for the accessibility tests). `make test` (default).
# Installs only what is missing, and only when it can (root with apt-get); otherwise says what is missing.
set -euo pipefail
set_name=${1:-test}
case "$set_name" in run|test) ;; *) echo "usage: $0 [run|test]" >&2; exit 2 ;; esac
need=()
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)  # SAML signatures (pysaml2)
if [ "$set_name" = test ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing system packages ($set_name): ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "warning: missing system packages: ${need[*]} (install them with apt-get as root)" >&2
fi
