# Sourced, not run: a private Citus cluster (a coordinator and workers) under target/citus, for src/test/citus/run.sh
# and by hand. Callers have `set -euo pipefail`, run from the project root and have sourced src/test/lib/tally.sh.
# As root, PostgreSQL runs as the postgres OS user (it refuses root), like the chaos harness's private PostgreSQL.

citus_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
citus_dir=$PWD/target/citus

# citus_installed: whether the PostgreSQL whose pg_config is on the PATH (or in $citus_bin) has citus.so.
citus_installed() {
  local pg_config
  pg_config=$(command -v pg_config || echo "$citus_bin/pg_config")
  [ -x "$pg_config" ] && [ -f "$("$pg_config" --pkglibdir)/citus.so" ]
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# citus_node_start NAME PORT: initdb (the first time) and start target/citus/NAME on PORT with citus preloaded.
citus_node_start() {
  local name=$1 port=$2 data=$citus_dir/$1
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$citus_dir" "$data"
    as_postgres "$citus_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-instructions >/dev/null
    cat >>"$data/postgresql.conf" <<CONF
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
max_connections = 200
max_prepared_transactions = 200
CONF
  fi
  as_postgres "$citus_bin/pg_ctl" -D "$data" -l "$citus_dir/$name.log" -w -t 60 -o "-p $port" start >/dev/null
}

# citus_node_stop NAME [MODE]: pg_ctl stop (fast unless MODE, e.g. immediate: a crash).
citus_node_stop() {
  local data=$citus_dir/$1
  [ -f "$data/postmaster.pid" ] && as_postgres "$citus_bin/pg_ctl" -D "$data" -m "${2:-fast}" -w stop >/dev/null || true
}

# citus_cluster_start COORDINATOR_PORT WORKER_PORT...: a fresh cluster under target/citus, every node started.
citus_cluster_start() {
  local coordinator=$1 port i=0
  shift
  citus_cluster_destroy
  mkdir -p "$citus_dir"
  echo "coordinator $coordinator" >"$citus_dir/ports"
  citus_node_start coordinator "$coordinator"
  for port in "$@"; do
    i=$((i + 1))
    echo "worker$i $port" >>"$citus_dir/ports"
    citus_node_start "worker$i" "$port"
  done
}

# citus_database DB: DB (re)created on every node with the citus extension, and the workers added to the coordinator's
# metadata (Citus keeps it per database).
citus_database() {
  local db=$1 name port coordinator
  coordinator=$(awk '$1 == "coordinator" {print $2}' "$citus_dir/ports")
  while read -r name port; do
    PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    psql -h 127.0.0.1 -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 -q -c "CREATE EXTENSION citus"
  done <"$citus_dir/ports"
  psql -h 127.0.0.1 -p "$coordinator" -U postgres -d "$db" -v ON_ERROR_STOP=1 -qAt \
    -c "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" >/dev/null
  while read -r name port; do
    [ "$name" = coordinator ] || psql -h 127.0.0.1 -p "$coordinator" -U postgres -d "$db" -v ON_ERROR_STOP=1 -qAt \
      -c "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
  done <"$citus_dir/ports"
}

# citus_cluster_destroy: every node under target/citus stopped and its data removed.
citus_cluster_destroy() {
  local name
  if [ -f "$citus_dir/ports" ]; then
    while read -r name _; do citus_node_stop "$name" immediate; done <"$citus_dir/ports"
  fi
  rm -rf "$citus_dir"
}
