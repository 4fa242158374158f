#!/usr/bin/env bash
# Fetch axe-core 4 (accessibility engine) from the npm registry into a cache folder and print the path of
# axe.min.js. Idempotent: an existing file is reused. Used by tests/browser (the a11y test calls it if missing).
#   scripts/fetch-axe.sh [CACHE_DIR]   (default: .cache/axe in the repository; LMS_AXE_CACHE overrides)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${1:-${LMS_AXE_CACHE:-$ROOT/.cache/axe}}
TARGET="$CACHE/axe.min.js"
if [ -s "$TARGET" ]; then
  echo "$TARGET"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-axe: npm not found (apt-get install npm)" >&2; exit 1; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9  # parallel test workers share one cache
if [ ! -s "$TARGET" ]; then
  work=$(mktemp -d "$CACHE/tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  tarball=$(cd "$work" && npm pack --silent axe-core@4 2>/dev/null | tail -1)
  tar -xzf "$work/$tarball" -C "$work" package/axe.min.js package/package.json
  version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$work/package/package.json" | head -1)
  cp "$work/package/axe.min.js" "$TARGET.part"
  mv "$TARGET.part" "$TARGET"
  echo "$version" > "$CACHE/VERSION"
fi
echo "$TARGET"
