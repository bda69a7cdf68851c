#!/usr/bin/env bash
# The whole test suite: installs the npm dependencies if needed, type-checks and builds, lints,
# then runs every test. Fails with a message naming whatever is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "test: '$1' is required but not installed ($2)" >&2; exit 1; }; }
need node "Node.js 20 or newer"
need npm "npm, shipped with Node.js"
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then echo "test: Node.js 20 or newer is required (found $(node --version))" >&2; exit 1; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: installing npm dependencies (npm install: see .ci/run for why not npm ci)"
  npm install --no-audit --no-fund
fi

# The end-to-end tests run real ExaBGP, gobgpd and FRR in network namespaces (root needed).
# Without them they are skipped with a message; CI (.ci/run) installs them.
lab_missing=""
for b in exabgp gobgpd /usr/lib/frr/bgpd ip; do command -v "$b" >/dev/null 2>&1 || [ -x "$b" ] || lab_missing="$lab_missing $b"; done
if [ -n "$lab_missing" ] || [ "$(id -u)" != 0 ]; then
  echo "test: note: end-to-end BGP tests need root and Debian packages exabgp gobgpd frr golang-github-osrg-gobgp-dev iproute2 (missing:${lab_missing:- none}; root: $([ "$(id -u)" = 0 ] && echo yes || echo no)); they will be skipped"
fi

echo "test: type-check and build (tsc, and the dashboard with vite)"
npm run build --silent
echo "test: lint (eslint)"
npx eslint .
echo "test: unit, integration and fuzz tests (node --test, FUZZ_SECONDS=${FUZZ_SECONDS:-2} per decoder)"
node scripts/run-tests.mjs "$@"
