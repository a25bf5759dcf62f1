#!/usr/bin/env bash
# Pins pnpm in package.json as "pnpm@<version>+sha512.<hex>", the hash taken from the registry's
# integrity for that version. corepack then verifies the pnpm it downloads against this
# committed hash on every fresh machine (see scripts/bootstrap.sh).
#   bash scripts/pin-pnpm.sh 10.34.9
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: pin-pnpm.sh <pnpm version>}"
integrity="$(npm view "pnpm@$version" dist.integrity 2>/dev/null)"
case "$integrity" in
  sha512-*) ;;
  *)
    echo "pin-pnpm: no sha512 integrity for pnpm@$version (got '$integrity')" >&2
    exit 1
    ;;
esac
node -e '
const fs = require("node:fs");
const [version, integrity] = process.argv.slice(1);
const hex = Buffer.from(integrity.slice("sha512-".length), "base64").toString("hex");
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
pkg.packageManager = `pnpm@${version}+sha512.${hex}`;
fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
console.log(pkg.packageManager);
' "$version" "$integrity"
