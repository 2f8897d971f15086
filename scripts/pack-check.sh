#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, then that tarball installed into an empty folder, gives
# a working `npx tml --version` and `npx tml serve` (it answers /healthz and a VIPER call with the
# admin token it wrote). Run by .ci/run under the Node it tests; prints the seconds each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
t0=$SECONDS
npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/tml-*.tgz)
mkdir "$work/app"
cd "$work/app"
echo '{"name":"tml-pack-check","private":true}' >package.json
npm install --no-audit --no-fund "$tarball" >install.log 2>&1 || { cat install.log; exit 1; }
if grep -q EBADENGINE install.log; then
  cat install.log
  echo "FAIL: installing the package printed an engine warning" >&2
  exit 1
fi
t1=$SECONDS
version=$(npx tml --version)
expected=$(node -p 'require(process.argv[1]).version' "$OLDPWD/package.json")
[ "$version" = "$expected" ] || { echo "FAIL: npx tml --version printed '$version', expected '$expected'" >&2; exit 1; }
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
npx tml --data-dir ./data serve --port "$port" >serve.log 2>&1 &
server=$!
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" | grep -q '"status":"ok"' || { cat serve.log; exit 1; }
token=$(cat data/admin.tok)
curl -fsS "http://127.0.0.1:$port/createtopics?vipertoken=$token&topic=packed" | grep -q '"Topic":"packed"' ||
  { cat serve.log; exit 1; }
echo "pack-check: ok (tml $version on node $(node --version)); pack+install $((t1 - t0)) s, run $((SECONDS - t1)) s"
