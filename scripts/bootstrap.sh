#!/usr/bin/env bash
# Installs what a fresh machine lacks to run opaqueflow: pnpm (pinned in package.json through
# corepack) and the workspace dependencies. With --test, also what the test suite needs:
# Java 17, Maven and redis-server for the test servers, tshark and the IPFIX registries
# (python3-ipfix, libfixbuf-tools) as referees, softflowd,
# pmacct and nfdump as real flow exporters, and libpcap with a C toolchain for live capture.
# Idempotent; Debian packages are installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test_tools=false
for arg in "$@"; do
  case "$arg" in
    --test) with_test_tools=true ;;
    *)
      echo "usage: bootstrap.sh [--test]" >&2
      exit 2
      ;;
  esac
done

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)'; then
  echo "opaqueflow needs Node.js 20.12 or newer (found $(node -v))" >&2
  exit 1
fi

# Test servers (test/infra): Kafka and Apicurio Registry run on Java 17+ from jars Maven
# resolves; Redis runs as a private redis-server. Installed from Debian's packages only
# when missing, so a machine that has them hears nothing from here.
java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | head -n1 |
    awk '{ print ($1 == 1 ? $2 : $1) }'
}
missing_debs=()
if [ "$with_test_tools" = true ]; then
  if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    missing_debs+=(openjdk-17-jre-headless)
  fi
  command -v mvn >/dev/null 2>&1 || missing_debs+=(maven)
  command -v redis-server >/dev/null 2>&1 || missing_debs+=(redis-server)
  command -v tar >/dev/null 2>&1 || missing_debs+=(tar)
  command -v tshark >/dev/null 2>&1 || missing_debs+=(tshark)
  # Copies of the IANA/RFC 5103 (python3-ipfix) and CERT (libfixbuf-tools) IPFIX registries,
  # the sources of libs/decoders/data/ipfix-elements.csv.
  dpkg -s python3-ipfix >/dev/null 2>&1 || missing_debs+=(python3-ipfix)
  dpkg -s libfixbuf-tools >/dev/null 2>&1 || missing_debs+=(libfixbuf-tools)
  command -v tcpdump >/dev/null 2>&1 || missing_debs+=(tcpdump)
  command -v softflowd >/dev/null 2>&1 || missing_debs+=(softflowd)
  command -v pmacctd >/dev/null 2>&1 || missing_debs+=(pmacct)
  command -v nfdump >/dev/null 2>&1 || missing_debs+=(nfdump)
  command -v gcc >/dev/null 2>&1 || missing_debs+=(build-essential)
  command -v python3 >/dev/null 2>&1 || missing_debs+=(python3)
  dpkg -s libpcap-dev >/dev/null 2>&1 || missing_debs+=(libpcap-dev)
fi
if [ "${#missing_debs[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing_debs[*]} (Debian packages)"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" >/dev/null
  if [ "$(java_major)" -lt 17 ]; then
    echo "bootstrap: java on PATH is $(java_major), test servers need 17+ (set JAVA_HOME or update-alternatives)" >&2
    exit 1
  fi
fi

# package.json pins pnpm with its sha512 (packageManager "pnpm@<version>+sha512.<hash>"), so
# corepack checks the downloaded pnpm against a hash committed here rather than against
# registry signatures (which a mirror may strip and corepack's bundled keys may not know).
# Verification stays on: never set COREPACK_INTEGRITY_KEYS=0. A verification failure stops
# the bootstrap. Regenerate the hash with scripts/pin-pnpm.sh when bumping pnpm.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
unset COREPACK_INTEGRITY_KEYS
if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version >/dev/null 2>&1; then
  corepack enable
fi
pnpm --version >/dev/null
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi
