-- Tally's two database roles, for deployments where the application must not own its schema (docs/deployment.md):
--
--   migrator  owns the database and its public schema; the migration Job (Flyway) runs as it, once per rollout.
--   runtime   what the Tally pods connect as: reads and writes rows, calls Tally's functions, nothing else. It
--             cannot CREATE, ALTER, DROP or TRUNCATE anything, nor create temporary tables.
--
-- Run once, as a superuser (or a role with CREATEROLE that can ALTER the database's owner), connected to Tally's
-- database, which should be empty or hold only what an earlier Tally migrated:
--
--   psql -h <host> -U postgres -d tally -v ON_ERROR_STOP=1 \
--        -v migrator=tally_migrator -v migrator_password="$MIGRATOR_PASSWORD" \
--        -v runtime=tally_runtime   -v runtime_password="$RUNTIME_PASSWORD" \
--        -f docker/database/roles.sql
--
-- It is idempotent: roles that exist are kept (their passwords set again), grants are repeated. The default
-- privileges make every table, sequence and function the migrator creates later usable by the runtime role
-- without another grant: future migrations need nothing from this script. A database that an earlier Tally
-- migrated as a single user: first hand its objects over (REASSIGN OWNED BY <old user> TO <migrator>, in this
-- database), then run this script, whose GRANT ... ON ALL covers the objects that already exist.
-- src/test/roles/check.sh runs this script on a fresh database and proves Tally works as the runtime role.

\set ON_ERROR_STOP on

SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'migrator') AS create_migrator,
       NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime') AS create_runtime \gset
\if :create_migrator
CREATE ROLE :"migrator" LOGIN;
\endif
\if :create_runtime
CREATE ROLE :"runtime" LOGIN;
\endif
ALTER ROLE :"migrator" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'migrator_password';
ALTER ROLE :"runtime" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'runtime_password';

-- The migrator owns the database, hence (PostgreSQL 15: pg_database_owner) the public schema.
ALTER DATABASE :"DBNAME" OWNER TO :"migrator";
ALTER SCHEMA public OWNER TO :"migrator";

-- Nobody else may connect, create objects in the schema (the default before PostgreSQL 15) or temporary tables.
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"runtime";
GRANT USAGE ON SCHEMA public TO :"runtime";

-- Rows: what Tally's statements and functions do. Sequences: the identity columns' nextval (USAGE) and reading
-- them (SELECT); never setval (UPDATE). Functions: tally_settle, aggregate_* (PUBLIC may execute functions by
-- default; granted explicitly so that REVOKE EXECUTE ... FROM PUBLIC on a hardened cluster changes nothing).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"runtime";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"runtime";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator" IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO :"runtime";
