#!/usr/bin/env bash
# Moves an existing single-node Tally database to Citus (docs/citus.md, "Moving an existing database"). Run it with
# Tally stopped, as a superuser (PGUSER, PGPASSWORD), once the server is a Citus coordinator (citus in
# shared_preload_libraries, restarted) and each worker runs Citus with an empty database of the same name:
#
#   docker/database/citus-distribute.sh DATABASE COORDINATOR_HOST:PORT WORKER_HOST:PORT...
#
# It creates the citus extension on every node, adds the workers to the coordinator, and runs V14 (the migration
# that creates the distributed layout; it did nothing when this database was migrated on plain PostgreSQL) again with
# psql, then V18's Citus block: their create_distributed_table calls copy every row into the shards. Tally's next start
# finds V14 applied as before and the tables distributed.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
db=$1 coordinator=$2
shift 2
migration="$(dirname "$0")/../../src/main/resources/db/migration/V14__citus_layout.sql"
on() { local node=$1; shift; PGOPTIONS="-c client_min_messages=warning" psql -h "${node%:*}" -p "${node##*:}" -d "$db" -v ON_ERROR_STOP=1 -qAt "$@"; }

for node in "$coordinator" "$@"; do
  on "$node" -c "CREATE EXTENSION IF NOT EXISTS citus"
done
on "$coordinator" -c "SELECT citus_set_coordinator_host('${coordinator%:*}', ${coordinator##*:})" >/dev/null
for worker in "$@"; do
  on "$coordinator" -c "SELECT citus_add_node('${worker%:*}', ${worker##*:})" >/dev/null
done
on "$coordinator" -1 -f "$migration"
# Tables added after V14 are distributed by their own migration's Citus block (idempotent), run again the same way.
sed -n '/^DO \$citus\$/,/^END \$citus\$;/p' "$(dirname "$0")/../../src/main/resources/db/migration/V18__zone_days.sql" \
  | on "$coordinator" -1 -f -
on "$coordinator" -c "SELECT 'distributed: ' || string_agg(table_name::text, ', ' ORDER BY table_name::text)
                        FROM citus_tables WHERE citus_table_type = 'distributed'"
