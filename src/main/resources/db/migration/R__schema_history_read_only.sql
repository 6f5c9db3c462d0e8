-- Flyway's schema history is written by migrations only. Where Tally runs as a runtime role that does not own the
-- schema (docker/database/roles.sql grants it DML on every table the migrator creates, this one included), the
-- runtime role keeps SELECT on it (which migrations a database has) and loses INSERT, UPDATE, DELETE and TRUNCATE:
-- the application can never rewrite what was migrated. Repeatable, so it runs after the versioned migrations of the
-- first migrate, when the table exists; later migrates create no new history table. Where the schema's owner is
-- the only role (development, tests, compose) nobody else holds these rights and this does nothing.
DO $$
DECLARE
  grantee text;
BEGIN
  FOR grantee IN
    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END
      FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.oid = 'flyway_schema_history'::regclass
       AND a.grantee <> c.relowner
       AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
  LOOP
    EXECUTE 'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON flyway_schema_history FROM ' || grantee;
  END LOOP;
END $$;
