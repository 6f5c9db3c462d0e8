-- The Citus layout (docs/citus.md). On plain PostgreSQL — no citus extension in this database — this does nothing at
-- all: the schema stays exactly as V1..V13 left it. In a database with the citus extension (a Citus coordinator, the
-- extension created before the first migrate) it turns the tables V1..V13 created into the distributed layout:
--
--   distributed by client_id, colocated with raw_events (a client's rows of every one of them live in the same shard
--   group, on the same worker, so the statements that join them run inside one worker):
--     raw_events, events, aggregate_invalidations, aggregate_dirty, aggregate_buckets, aggregate_hours,
--     aggregate_days, aggregate_totals, outcome_changes, outcome_taken, outcome_buckets, outcome_codes
--   left on the coordinator as local tables (small, written rarely, read by Tally only, never joined with the above
--   on a worker): api_keys, client_mappings, replays, aggregate_state, aggregate_refreshes, aggregate_rebuilds,
--   flyway_schema_history
--
-- and it changes what Citus needs changed:
--   raw_events.client_id   NOT NULL: a distribution value for every row; a row whose client cannot be known (a body
--                          that is not JSON, or names no client, sent with an admin key) is filed under '' (the
--                          same reserved value the outcome tables use), which the API shows as null
--   raw_events' key        (client_id, id): Citus needs the distribution column in every unique key; id stays unique
--                          (one identity sequence) and gets its own index for lookups by id
--   events.raw_id          no longer a foreign key (a foreign key between distributed tables must include the
--                          distribution column; tally_settle, the only writer of events, takes raw_id from the raw
--                          rows it holds locked)
--   the statement triggers of V8 and V9 fire on each shard, on its worker, where a statement cannot reach another
--                          distributed table (Citus does not pass the transition tables to a distributed insert): they
--                          write into the colocated shard of aggregate_invalidations / outcome_changes instead, in
--                          the same local transaction as the rows that fired them, so a change and its record commit
--                          together as before; their TRUNCATE triggers are dropped (Citus runs them where they
--                          cannot reach the other tables): see docs/citus.md
--   tally_settle           an overload with the raw rows' clients as stored first (Tally calls it under Citus), the
--                          same results; it never changes a raw row's client_id (the distribution value), and it locks
--                          the raw rows with a statement Citus can run on many shards
--   aggregate_clients, outcome_clients, aggregate_check   without the recursive and correlated queries Citus does not plan
--
-- Idempotent: a database that is already distributed is left alone. Moving an existing single-node database to Citus
-- runs this same file again with psql once the database is a coordinator (docker/database/citus-distribute.sh).
DO $citus$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'raw_events'::regclass) THEN
    RETURN;
  END IF;
  -- Triggers on distributed tables: Citus asks for this explicitly (it cannot tell a safe trigger from an unsafe one).
  -- Set for the database too, so later migrations can create and drop triggers on these tables.
  SET LOCAL citus.enable_unsafe_triggers = on;
  EXECUTE format('ALTER DATABASE %I SET citus.enable_unsafe_triggers = on', current_database());

  -- A TRUNCATE of events left an "everything" row (client_id NULL): spelled out as the buckets it stands for.
  IF EXISTS (SELECT 1 FROM aggregate_invalidations WHERE client_id IS NULL) THEN
    INSERT INTO aggregate_invalidations (client_id, metric, bucket)
    SELECT client_id, metric, bucket FROM aggregate_buckets
     UNION
    SELECT client_id, metric, aggregate_bucket(ts) FROM events;
    DELETE FROM aggregate_invalidations WHERE client_id IS NULL;
  END IF;
  ALTER TABLE aggregate_invalidations ALTER COLUMN client_id SET NOT NULL;

  UPDATE raw_events SET client_id = '' WHERE client_id IS NULL;
  ALTER TABLE raw_events ALTER COLUMN client_id SET NOT NULL;
  ALTER TABLE events DROP CONSTRAINT events_raw_id_fkey;
  ALTER TABLE raw_events DROP CONSTRAINT raw_events_pkey;
  ALTER TABLE raw_events ADD CONSTRAINT raw_events_pkey PRIMARY KEY (client_id, id);
  CREATE INDEX raw_events_id_idx ON raw_events (id);

  -- The shard of `target` colocated with the shard `shard` (a trigger's TG_RELID on a worker): same hash range, same
  -- node. `target` itself when `shard` is not a shard (the coordinator's shell table, or a plain table).
  CREATE FUNCTION tally_colocated_shard(shard oid, target regclass) RETURNS text
      LANGUAGE plpgsql STABLE AS $fn$
  DECLARE
    shard_id bigint := substring((SELECT relname FROM pg_class WHERE oid = shard) FROM '_([0-9]+)$')::bigint;
    result   text;
  BEGIN
    SELECT shard_name(t.logicalrelid, t.shardid) INTO result
      FROM pg_dist_shard s
      JOIN pg_dist_shard t ON t.logicalrelid = target AND t.shardminvalue = s.shardminvalue
     WHERE s.shardid = shard_id;
    RETURN coalesce(result, target::text);
  END $fn$;

  -- V8's invalidation triggers, writing into the colocated shard.
  CREATE OR REPLACE FUNCTION aggregate_invalidate_inserted() RETURNS trigger LANGUAGE plpgsql
      SET citus.enable_manual_changes_to_shards = on AS $fn$
  BEGIN
    EXECUTE format('INSERT INTO %s (client_id, metric, bucket)
                    SELECT DISTINCT client_id, metric, aggregate_bucket(ts) FROM inserted',
                   tally_colocated_shard(TG_RELID, 'aggregate_invalidations'));
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION aggregate_invalidate_updated() RETURNS trigger LANGUAGE plpgsql
      SET citus.enable_manual_changes_to_shards = on AS $fn$
  BEGIN
    EXECUTE format('INSERT INTO %s (client_id, metric, bucket)
                    SELECT client_id, metric, aggregate_bucket(ts) FROM old_rows
                     UNION
                    SELECT client_id, metric, aggregate_bucket(ts) FROM new_rows',
                   tally_colocated_shard(TG_RELID, 'aggregate_invalidations'));
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION aggregate_invalidate_deleted() RETURNS trigger LANGUAGE plpgsql
      SET citus.enable_manual_changes_to_shards = on AS $fn$
  BEGIN
    EXECUTE format('INSERT INTO %s (client_id, metric, bucket)
                    SELECT DISTINCT client_id, metric, aggregate_bucket(ts) FROM old_rows',
                   tally_colocated_shard(TG_RELID, 'aggregate_invalidations'));
    RETURN NULL;
  END $fn$;

  -- TRUNCATE: Citus fires TRUNCATE triggers on the coordinator's table only, inside the TRUNCATE's own distributed
  -- execution, where V8's and V9's truncate triggers cannot reach the other distributed tables (tried: refused as a
  -- nested distributed query, or, allowed, a distributed deadlock with the TRUNCATE's own locks). Dropped: under Citus a
  -- TRUNCATE of events or raw_events (an operator's act, never Tally's) truncates the aggregate and outcome tables in
  -- the same statement (docs/citus.md).
  DROP TRIGGER events_invalidate_aggregates_truncate ON events;
  DROP TRIGGER raw_events_outcomes_truncate ON raw_events;

  -- V9's outcome triggers, the same deltas, written into the colocated shard of outcome_changes.
  CREATE OR REPLACE FUNCTION outcome_inserted() RETURNS trigger LANGUAGE plpgsql
      SET citus.enable_manual_changes_to_shards = on AS $fn$
  BEGIN
    EXECUTE format($sql$
    INSERT INTO %s (client_id, bucket, status, code, delta, examples, example_message)
    SELECT coalesce(client_id, ''), aggregate_bucket(received_at), status, NULL, count(*), NULL::bigint[], NULL
      FROM inserted GROUP BY 1, 2, 3
    UNION ALL
    SELECT coalesce(r.client_id, ''), aggregate_bucket(r.received_at), r.status, c.code, count(DISTINCT r.id),
           (array_agg(DISTINCT r.id ORDER BY r.id DESC))[1:3], (array_agg(c.message ORDER BY r.id DESC))[1]
      FROM inserted r
      CROSS JOIN LATERAL (SELECT e->>'code' AS code, e->>'message' AS message
                            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.reasons) = 'array' THEN r.reasons ELSE '[]' END) e) c
     WHERE r.status IN ('rejected', 'unparseable') AND c.code IS NOT NULL
     GROUP BY 1, 2, 3, 4$sql$, tally_colocated_shard(TG_RELID, 'outcome_changes'));
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION outcome_updated() RETURNS trigger LANGUAGE plpgsql
      SET citus.enable_manual_changes_to_shards = on AS $fn$
  BEGIN
    EXECUTE format($sql$
    INSERT INTO %s (client_id, bucket, status, code, delta, examples, example_message)
    WITH changed AS (
      SELECT -1 AS sign, id, client_id, received_at, status, reasons FROM old_rows
      UNION ALL
      SELECT 1, id, client_id, received_at, status, reasons FROM new_rows
    )
    SELECT coalesce(client_id, ''), aggregate_bucket(received_at), status, NULL, sum(sign), NULL::bigint[], NULL
      FROM changed GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
    UNION ALL
    SELECT client_id, bucket, status, code, sum(net), array_agg(net * id ORDER BY id DESC),
           (array_agg(message ORDER BY id DESC) FILTER (WHERE net > 0))[1]
      FROM (SELECT client_id, bucket, status, code, id, sum(sign) AS net, max(message) FILTER (WHERE sign > 0) AS message
              FROM (SELECT DISTINCT ON (r.sign, r.id, c.code) r.sign, r.id, coalesce(r.client_id, '') AS client_id,
                           aggregate_bucket(r.received_at) AS bucket, r.status, c.code, c.message
                      FROM changed r
                      CROSS JOIN LATERAL (SELECT e->>'code' AS code, e->>'message' AS message
                                            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.reasons) = 'array' THEN r.reasons ELSE '[]' END) e) c
                     WHERE r.status IN ('rejected', 'unparseable') AND c.code IS NOT NULL) per_code
             GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0) per_row
     GROUP BY 1, 2, 3, 4$sql$, tally_colocated_shard(TG_RELID, 'outcome_changes'));
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION outcome_deleted() RETURNS trigger LANGUAGE plpgsql
      SET citus.enable_manual_changes_to_shards = on AS $fn$
  BEGIN
    EXECUTE format($sql$
    INSERT INTO %s (client_id, bucket, status, code, delta, examples, example_message)
    SELECT coalesce(client_id, ''), aggregate_bucket(received_at), status, NULL, -count(*), NULL::bigint[], NULL
      FROM old_rows GROUP BY 1, 2, 3
    UNION ALL
    SELECT coalesce(r.client_id, ''), aggregate_bucket(r.received_at), r.status, c.code, -count(DISTINCT r.id),
           array_agg(DISTINCT -r.id), NULL
      FROM old_rows r
      CROSS JOIN LATERAL (SELECT e->>'code' AS code
                            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.reasons) = 'array' THEN r.reasons ELSE '[]' END) e) c
     WHERE r.status IN ('rejected', 'unparseable') AND c.code IS NOT NULL
     GROUP BY 1, 2, 3, 4$sql$, tally_colocated_shard(TG_RELID, 'outcome_changes'));
    RETURN NULL;
  END $fn$;

  -- V7's settle, for the distributed layout: the same results, and one more array first, each raw row's client as
  -- stored (its distribution value, '' for none), so every statement goes to the shards of the clients at hand only.
  -- Citus runs no FOR UPDATE across shards: the raw rows are locked by an UPDATE that changes nothing, still before
  -- the events (the order recovery runs and replays take them in). The events already there are read with a pruned
  -- query of their own (an outer join of the arrays with events would bring all of events to the coordinator), and a
  -- raw row's client_id is never changed (Citus does not move a row between shards).
  CREATE FUNCTION tally_settle(raw_clients text[], raw_ids bigint[], client_ids text[], fingerprints text[],
                               event_ids text[], metrics text[], amounts text[], timestamps text[], reasons text[],
                               mapping_versions integer[])
    RETURNS TABLE (settled_raw_id bigint, settled_status text, settled_original_raw_id bigint)
    LANGUAGE plpgsql VOLATILE
    SET plan_cache_mode = force_custom_plan
    AS $fn$
  BEGIN
    UPDATE raw_events r SET settle_attempts = r.settle_attempts
     WHERE r.client_id = ANY (raw_clients) AND r.id = ANY (raw_ids);

    INSERT INTO events (client_id, fingerprint, event_id, metric, amount, ts, raw_id, mapping_version)
    SELECT DISTINCT ON (u.c, u.f) u.c, u.f, u.e, u.m, u.a::numeric, u.t::timestamptz, u.id, u.v
      FROM unnest(raw_ids, client_ids, fingerprints, event_ids, metrics, amounts, timestamps, mapping_versions)
        AS u(id, c, f, e, m, a, t, v)
     WHERE u.f IS NOT NULL
     ORDER BY u.c, u.f, u.id
    ON CONFLICT (client_id, fingerprint) DO NOTHING;

    RETURN QUERY
    WITH found AS MATERIALIZED (
      SELECT e.client_id, e.fingerprint, e.raw_id, e.metric, e.amount, e.ts FROM events e
       WHERE e.client_id = ANY (client_ids) AND e.fingerprint = ANY (fingerprints)
    ), resolved AS MATERIALIZED (
      SELECT u.raw_client, u.raw_id, u.fingerprint, u.reasons, u.mapping_version, e.raw_id AS original_raw_id,
             CASE WHEN u.fingerprint IS NULL THEN 'rejected'
                  WHEN e.raw_id IS NULL THEN 'pending'
                  WHEN e.raw_id = u.raw_id THEN 'accepted'
                  WHEN e.metric = u.metric AND e.amount = u.amount::numeric AND e.ts = u.ts::timestamptz THEN 'duplicate'
                  ELSE 'conflict' END AS status
        FROM unnest(raw_clients, raw_ids, client_ids, fingerprints, metrics, amounts, timestamps, reasons, mapping_versions)
          AS u(raw_client, raw_id, client_id, fingerprint, metric, amount, ts, reasons, mapping_version)
        LEFT JOIN found e ON e.client_id = u.client_id AND e.fingerprint = u.fingerprint
    )
    UPDATE raw_events r
       SET status = resolved.status,
           fingerprint = resolved.fingerprint,
           reasons = resolved.reasons::jsonb,
           mapping_version = resolved.mapping_version,
           processed_at = now(),
           settle_error = NULL,
           settle_failed_at = NULL
      FROM resolved
     WHERE r.client_id = ANY (raw_clients) AND r.client_id = resolved.raw_client AND r.id = resolved.raw_id
    RETURNING r.id, resolved.status, resolved.original_raw_id;
  END
  $fn$;

  -- The clients of POST /aggregates/rebuild and GET /outcomes: Citus plans no recursive query over distributed tables,
  -- so V8's and V9's skip scans become one DISTINCT per shard, run on the workers in parallel.
  CREATE OR REPLACE FUNCTION aggregate_clients() RETURNS SETOF text LANGUAGE plpgsql STABLE AS $fn$
  BEGIN
    RETURN QUERY
    SELECT client_id FROM events GROUP BY client_id
     UNION
    SELECT client_id FROM aggregate_totals GROUP BY client_id
     ORDER BY 1;
  END $fn$;

  CREATE OR REPLACE FUNCTION outcome_clients() RETURNS SETOF text LANGUAGE plpgsql STABLE AS $fn$
  BEGIN
    RETURN QUERY SELECT client_id FROM outcome_buckets GROUP BY client_id ORDER BY 1;
  END $fn$;

  -- V8's consistency check without correlated subqueries (Citus plans none next to a CTE): the sample, the invalidation
  -- rows among it, the materialized rows and the recompute from events are each one statement on the workers, joined on
  -- the coordinator. Citus has no snapshot across shards: an event committed while the check runs can make a bucket
  -- differ that a refresh would have fixed anyway; it is invalidated again, which is harmless. The sample's size comes
  -- from the shards' sizes (the coordinator's shell tables are empty).
  CREATE OR REPLACE FUNCTION aggregate_check(sample integer)
      RETURNS TABLE (client_id text, metric text, bucket timestamptz,
                     materialized_count bigint, materialized_sum numeric, materialized_min numeric, materialized_max numeric,
                     recomputed_count bigint, recomputed_sum numeric, recomputed_min numeric, recomputed_max numeric)
      LANGUAGE plpgsql AS $fn$
  DECLARE
    bucket_pct real := least(100, 100.0 * greatest(sample, 1)
                                  / greatest(citus_relation_size('aggregate_buckets') / current_setting('block_size')::bigint, 1));
    event_pct  real := least(100, 100.0 * greatest(sample, 1)
                                  / greatest(citus_relation_size('events') / current_setting('block_size')::bigint, 1));
  BEGIN
    RETURN QUERY
    WITH sampled AS MATERIALIZED (
      (SELECT b.client_id, b.metric, b.bucket FROM aggregate_buckets b TABLESAMPLE SYSTEM (bucket_pct)
        ORDER BY random() LIMIT greatest(sample / 2, 1))
      UNION
      (SELECT e.client_id, e.metric, aggregate_bucket(e.ts) FROM events e TABLESAMPLE SYSTEM (event_pct)
        ORDER BY random() LIMIT greatest(sample - sample / 2, 1))
    ), materialized AS MATERIALIZED (
      SELECT b.client_id, b.metric, b.bucket, b.event_count, b.amount_sum, b.amount_min, b.amount_max
        FROM aggregate_buckets b JOIN sampled s ON b.client_id = s.client_id AND b.metric = s.metric AND b.bucket = s.bucket
    ), recomputed AS MATERIALIZED (
      SELECT s.client_id, s.metric, s.bucket, count(*) AS event_count, sum(e.amount) AS amount_sum,
             min(e.amount) AS amount_min, max(e.amount) AS amount_max
        FROM events e JOIN sampled s ON e.client_id = s.client_id AND e.metric = s.metric
                                    AND e.ts >= s.bucket AND e.ts < s.bucket + interval '15 minutes'
       GROUP BY s.client_id, s.metric, s.bucket
    ), pending AS MATERIALIZED (
      SELECT DISTINCT i.client_id, i.metric, i.bucket
        FROM aggregate_invalidations i JOIN sampled s ON i.client_id = s.client_id AND i.metric = s.metric AND i.bucket = s.bucket
    ), differing AS MATERIALIZED (
      SELECT s.client_id, s.metric, s.bucket, m.event_count, m.amount_sum, m.amount_min, m.amount_max,
             coalesce(r.event_count, 0) AS r_count, r.amount_sum AS r_sum, r.amount_min AS r_min, r.amount_max AS r_max
        FROM sampled s
        LEFT JOIN materialized m ON m.client_id = s.client_id AND m.metric = s.metric AND m.bucket = s.bucket
        LEFT JOIN recomputed r ON r.client_id = s.client_id AND r.metric = s.metric AND r.bucket = s.bucket
        LEFT JOIN pending p ON p.client_id = s.client_id AND p.metric = s.metric AND p.bucket = s.bucket
       WHERE p.client_id IS NULL
         AND (coalesce(m.event_count, 0), m.amount_sum, m.amount_min, m.amount_max)
             IS DISTINCT FROM (coalesce(r.event_count, 0), r.amount_sum, r.amount_min, r.amount_max)
    ), repair AS (
      INSERT INTO aggregate_invalidations (client_id, metric, bucket) SELECT d.client_id, d.metric, d.bucket FROM differing d
    )
    SELECT * FROM differing;
  END $fn$;

  -- The rows an existing database already has are copied into the shards below: that copy must not fire the triggers
  -- (its rows are counted and materialized already), nor must freeing the coordinator's copies (a TRUNCATE).
  SET LOCAL citus.multi_shard_modify_mode = 'sequential';
  ALTER TABLE raw_events DISABLE TRIGGER USER;
  ALTER TABLE events DISABLE TRIGGER USER;
  PERFORM create_distributed_table('raw_events', 'client_id');
  PERFORM create_distributed_table(t, 'client_id', colocate_with => 'raw_events')
     FROM unnest(ARRAY['events', 'aggregate_invalidations', 'aggregate_dirty', 'aggregate_buckets', 'aggregate_hours',
                       'aggregate_days', 'aggregate_totals', 'outcome_changes', 'outcome_taken', 'outcome_buckets',
                       'outcome_codes']) t;
  -- create_distributed_table copied the rows of an existing database into the shards and left them behind in the
  -- coordinator's tables, where no query reads them any more: the space is given back (nothing to do for a new one).
  PERFORM truncate_local_data_after_distributing_table(t)
     FROM unnest(ARRAY['raw_events', 'events', 'aggregate_invalidations', 'aggregate_dirty', 'aggregate_buckets',
                       'aggregate_hours', 'aggregate_days', 'aggregate_totals', 'outcome_changes', 'outcome_taken',
                       'outcome_buckets', 'outcome_codes']) t;
  ALTER TABLE raw_events ENABLE TRIGGER USER;
  ALTER TABLE events ENABLE TRIGGER USER;
END $citus$;
