#!/usr/bin/env bash
# pnpm test:images — builds the four service images from deploy/docker/Dockerfile with podman,
# runs them as containers (uid 10001, read-only root, no capabilities) against Kafka, the
# registry and Redis, and proves a capture's flows go through ingest → features → scorer →
# query (test/images/images.podman.ts). Needs root, podman, runc and mmdebstrap (installed
# from Debian's packages when missing). No image registry is needed: the base image is a
# Debian bookworm minbase root filesystem from mmdebstrap with this machine's Node.js 20
# (the Dockerfile's NODE_IMAGE argument; users build on node:20-bookworm-slim).
#   IMAGE_CONTEXT=<dir>   build from another checkout (default: this repository)
#   KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL   use running servers (else started here)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
context=${IMAGE_CONTEXT:-$root}
export DEBIAN_FRONTEND=noninteractive
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
[ -x /usr/sbin/runc ] || missing+=(runc)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test:images: installing ${missing[*]} (Debian packages)"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# crun and podman's default ulimits are refused in this kind of sandbox; runc with these works.
podman=(podman --runtime /usr/sbin/runc --cgroup-manager=cgroupfs)
limits=(--network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
base=localhost/opaqueflow-base/node:20-bookworm-minbase
work=$root/.cache/images
mkdir -p "$work"

if ! "${podman[@]}" image exists "$base"; then
  start=$(date +%s)
  if ! "${podman[@]}" image exists localhost/opaqueflow-base/debian:bookworm-minbase; then
    mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$work/rootfs.tar"
    "${podman[@]}" import "$work/rootfs.tar" localhost/opaqueflow-base/debian:bookworm-minbase >/dev/null
    rm -f "$work/rootfs.tar"
  fi
  rm -rf "$work/node" && mkdir -p "$work/node"
  node_bin=$(command -v node)
  node_modules=$(dirname "$(dirname "$(readlink -f "$node_bin")")")/lib/node_modules
  cp "$(readlink -f "$node_bin")" "$work/node/node"
  cp -r "$node_modules/npm" "$node_modules/corepack" "$work/node/"
  cat >"$work/node/Containerfile" <<'CONTAINERFILE'
FROM localhost/opaqueflow-base/debian:bookworm-minbase
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY corepack /usr/local/lib/node_modules/corepack
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack \
 && node --version
CONTAINERFILE
  "${podman[@]}" build -q "${limits[@]}" -t "$base" "$work/node" >/dev/null
  echo "test:images: base image $base in $(($(date +%s) - start)) s"
fi

# A TLS-intercepting proxy's CA for the build's npm downloads, when this machine has one.
ca=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  ca=(-v "$NODE_EXTRA_CA_CERTS:/run/build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/build-ca.crt)
fi
: >"$work/figures.txt"
for service in ingest features scorer query; do
  start=$(date +%s)
  "${podman[@]}" build -q --format docker "${limits[@]}" "${ca[@]}" -f "$context/deploy/docker/Dockerfile" \
    --build-arg NODE_IMAGE="$base" --build-arg SERVICE="$service" \
    --build-arg REVISION="$(git -C "$context" rev-parse HEAD 2>/dev/null || echo unknown)" \
    --build-arg CREATED="$(date -u +%FT%TZ)" \
    -t "localhost/opaqueflow/$service:test" "$context" >"$work/build-$service.log" 2>&1 ||
    { tail -30 "$work/build-$service.log" >&2; echo "test:images: building $service failed" >&2; exit 1; }
  size=$("${podman[@]}" image inspect "localhost/opaqueflow/$service:test" --format '{{.Size}}')
  echo "build $service: $(($(date +%s) - start)) s, image $((size / 1048576)) MiB" | tee -a "$work/figures.txt"
done

export IMAGE_CONTEXT="$context"
exec node --import tsx --conditions=source test/infra/with-servers.ts -- \
  node --import tsx --conditions=source --test test/images/images.podman.ts
