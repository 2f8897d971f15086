#!/usr/bin/env bash
# CI step (.ci/run, after npm test): installs podman, buildah, runc and debootstrap with apt-get,
# builds the base images and tml's and Kafka's images (deploy/build), then runs the deployment test
# (test/deploy/pods.deploy.ts: the manifests of deploy/k8s under `podman play kube`). Prints the
# seconds each part took and the images' sizes, and writes them to .cache/deploy/measures.json.
# Needs root (apt-get, debootstrap, rootful podman) and a built dist/ (npm run build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
sudo=()
[[ "$(id -u)" == 0 ]] || sudo=(sudo)

started=$SECONDS
missing=()
for tool in podman buildah runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  echo "== apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq buildah podman runc debootstrap >/dev/null
fi
tools=$((SECONDS - started))

started=$SECONDS
"${sudo[@]}" bash deploy/build/bases.sh >/dev/null
bases=$((SECONDS - started))
started=$SECONDS
"${sudo[@]}" bash deploy/build/images.sh
images=$((SECONDS - started))

size() { "${sudo[@]}" podman image inspect --format '{{.Size}}' "$1"; }
# what a registry stores: the layers gzip-compressed (a docker-archive holds them uncompressed)
compressed() { "${sudo[@]}" podman save --format docker-archive "$1" 2>/dev/null | gzip -6 | wc -c; }
tml_size=$(size localhost/tml:dev) tml_gz=$(compressed localhost/tml:dev)
kafka_size=$(size localhost/tml-kafka:dev) kafka_gz=$(compressed localhost/tml-kafka:dev)

started=$SECONDS
"${sudo[@]}" env CI="${CI:-}" node --test --test-reporter=spec dist/test/deploy/pods.deploy.js
pods=$((SECONDS - started))

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
echo "== deployment: tools ${tools} s, base images ${bases} s, images ${images} s, pod test ${pods} s"
echo "== localhost/tml:dev $(mb "$tml_size") ($(mb "$tml_gz") compressed); localhost/tml-kafka:dev $(mb "$kafka_size") ($(mb "$kafka_gz") compressed)"
printf '{"toolsSeconds":%d,"basesSeconds":%d,"imagesSeconds":%d,"podTestSeconds":%d,"tmlBytes":%d,"tmlCompressedBytes":%d,"kafkaBytes":%d,"kafkaCompressedBytes":%d}\n' \
  "$tools" "$bases" "$images" "$pods" "$tml_size" "$tml_gz" "$kafka_size" "$kafka_gz" >.cache/deploy/measures.json
