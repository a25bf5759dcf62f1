#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test opaqueflow: pnpm (pinned in
# package.json through corepack) and the workspace dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "opaqueflow needs Node.js 20 or newer (found $(node -v))" >&2
  exit 1
fi

# Corepack's bundled signing keys can lag behind the registry's; the pinned version and the
# lockfile's integrity hashes still guard what is installed.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_INTEGRITY_KEYS=0
if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version >/dev/null 2>&1; then
  corepack enable
fi
pnpm --version >/dev/null
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi
