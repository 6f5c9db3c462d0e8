#!/usr/bin/env bash
# The four browser SDKs (posthog-js, Segment analytics.js, RudderStack JS, Snowplow's browser tracker; versions
# pinned in package-lock.json), bundled unmodified with esbuild, in Debian's Chromium driven by playwright-core,
# against the packaged jar, asserted in PostgreSQL and through GET /aggregates. Run by .ci/run after the Node SDK
# suite; builds nothing but the page bundles.
#   1. npm ci from the lock file; esbuild bundles page/<sdk>.js into target/browser-sdk/bundles;
#   2. a database of its own (tally_browser, dropped afterwards) and target/quarkus-app/quarkus-run.jar on free
#      ports, with a random bootstrap admin key;
#   3. e2e.mjs: a page server on another port (another origin than Tally's) and a recording proxy in front of
#      Tally; per SDK: configuration, events counted once, a retry after a lost answer, unload, a refused origin.
# Settings: CHROMIUM (default /usr/bin/chromium), BROWSER_DB (tally_browser), BROWSER_PORTS ("tally management
# proxy pages", default four free ports), BROWSER_SDKS (a comma-separated subset of posthog,segment,rudderstack,snowplow).
# Bounded: every wait has a deadline; processes and the database are cleaned up on any exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

DB=${BROWSER_DB:-tally_browser}
JAR=target/quarkus-app/quarkus-run.jar  # what start_tally runs
DIR=src/test/browser-sdk
OUT=target/browser-sdk
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ADMIN_KEY="tally_browser_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

fail() { echo "FAIL: $*" >&2; exit 1; }

[ -f "$JAR" ] || fail "$JAR is missing: run ./mvnw -B verify (or ./mvnw -B package -DskipTests) first"
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: apt-get install -y chromium (or set CHROMIUM)"
command -v node >/dev/null || fail "node is not installed (Node 20 or newer is needed)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || fail "node $(node --version) is too old: Node 20 or newer is needed"
rm -rf "$OUT" && mkdir -p "$OUT/bundles"
started=$SECONDS

echo "== npm ci ($DIR/package-lock.json) and the page bundles (esbuild)"
(cd "$DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 \
  || { cat "$OUT/npm-ci.log" >&2; fail "npm ci failed"; }
for sdk in posthog segment rudderstack snowplow; do
  "$DIR/node_modules/.bin/esbuild" "$DIR/page/$sdk.js" --bundle --format=iife --target=chrome120 --log-level=warning \
    --outfile="$OUT/bundles/$sdk.js" || fail "esbuild could not bundle $DIR/page/$sdk.js"
done
echo "  ok: $(cd "$DIR" && node -e '
  const { readFileSync } = require("node:fs");
  const version = (name) => JSON.parse(readFileSync("node_modules/" + name + "/package.json", "utf8")).version;
  console.log(Object.keys(require("./package.json").dependencies).map((n) => n + "@" + version(n)).join(", "))'); $("$CHROMIUM" --version 2>/dev/null | head -1)"

tally_pid=
cleanup() {
  status=$?
  [ -z "$tally_pid" ] || stop_pids 30 "$tally_pid"
  [ "$status" = 0 ] || tail_logs 30 "$OUT/tally.log"
  drop_database "$DB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r port management_port proxy_port pages_port <<<"${BROWSER_PORTS:-$(free_ports 4)}"
fresh_database "$DB"
echo "== Tally: $JAR on port $port (management $management_port), database $DB"
start_tally "$DB" "$port" "$management_port" "$ADMIN_KEY" "$OUT/tally.log" -Xmx256m
await_ready "$tally_pid" "$management_port" 120 Tally || exit 1
echo "  ok: ready after $((SECONDS - started)) s since the start of this script"

echo "== The browser SDKs in Chromium (pages on http://127.0.0.1:$pages_port, Tally behind a proxy on $proxy_port)"
rc=0
TALLY_URL="http://127.0.0.1:$port" \
TALLY_ADMIN_KEY="$ADMIN_KEY" \
TALLY_DB="$DB" \
PROXY_PORT="$proxy_port" \
PAGES_PORT="$pages_port" \
BROWSER_BUNDLES="$OUT/bundles" \
BROWSER_E2E_OUT="$OUT" \
CHROMIUM="$CHROMIUM" \
  timeout 400 node "$DIR/e2e.mjs" || rc=$?
[ "$rc" = 0 ] || fail "browser SDK checks failed (e2e.mjs exit code $rc; what each SDK requested: $OUT/requests.md; page console: $OUT/console.log; Tally log: $OUT/tally.log)"
echo "Browser SDK end-to-end: PASSED in $((SECONDS - started)) s (what each SDK requested and what Tally answered: $OUT/requests.md)"
