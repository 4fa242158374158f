#!/usr/bin/env bash
# Install the certified OpenID provider (node-oidc-provider, npm registry) that the SSO tests start on 127.0.0.1.
#   scripts/oidc-provider.sh setup   -> prints the folder (OIDC_PROVIDER_HOME) holding node_modules/oidc-provider
# Idempotent; LMS_OIDC_PROVIDER_HOME overrides the folder (default .cache/oidc-provider in the repository).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOME_DIR=${LMS_OIDC_PROVIDER_HOME:-$ROOT/.cache/oidc-provider}
VERSION=9
if [ ! -f "$HOME_DIR/node_modules/oidc-provider/package.json" ]; then
  command -v npm >/dev/null 2>&1 || { echo "oidc-provider.sh: npm not found (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$HOME_DIR"
  exec 9>"$HOME_DIR/.lock"
  flock 9  # parallel test workers share one folder
  if [ ! -f "$HOME_DIR/node_modules/oidc-provider/package.json" ]; then
    (cd "$HOME_DIR" && npm install --silent --no-audit --no-fund "oidc-provider@$VERSION" >/dev/null)
  fi
fi
echo "$HOME_DIR"
