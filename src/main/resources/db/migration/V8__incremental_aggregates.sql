-- Incremental aggregates, in the manner of TimescaleDB's continuous aggregates. Replaces V2's materialized view
-- (recomputed in full by every refresh) with tables that a refresh updates only where events changed:
--
--   aggregate_invalidations  what changed: (client, metric, 15-minute bucket), written by statement triggers on
--                            events in the inserting transaction, so a row commits together with its events
--   aggregate_buckets        level 0: count/sum/min/max per client, metric and 15-minute bucket (UTC-aligned)
--   aggregate_hours          level 1: per UTC hour, rolled up from level 0
--   aggregate_days           level 2: per UTC day, rolled up from level 1
--   aggregate_totals         level 3: per client and metric over all time, rolled up from level 2
--
-- 15 minutes, because every zone offset in use since 1970 is a multiple of 15 minutes (+05:30, +05:45, the 30-minute
-- DST shift of Australia/Lord_Howe): every 15-minute bucket lies inside exactly one hour and one day of any zone,
-- so zoned hours and days are sums of whole buckets, exactly.
--
-- A refresh (aggregate_refresh, under the advisory lock) deletes the invalidation rows its statement sees and
-- re-materializes exactly those buckets from events, then the hours, days and totals above them. An event committed
-- after that statement's snapshot keeps its invalidation row, so the next refresh takes it: nothing is lost, at worst
-- a bucket is recomputed twice.

-- The triggers come first on purpose: creating them locks events against writes until this migration commits, so
-- every event either is committed before the materialization below reads events, or fires the new triggers.
DROP TRIGGER events_mark_aggregates_insert ON events;
DROP TRIGGER events_mark_aggregates_change ON events;
DROP FUNCTION aggregate_mark_insert();
DROP FUNCTION aggregate_mark_change();
DROP TABLE aggregate_changes;

-- The 15-minute bucket of an instant, aligned to UTC (independent of the session's TimeZone).
CREATE FUNCTION aggregate_bucket(ts timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_bin('15 minutes', ts, timestamptz '2000-01-01 00:00:00+00');

-- No key and no index: appending a row is the cheapest write there is, and ingest transactions never wait for each
-- other here. client_id NULL means "everything" (a TRUNCATE of events).
CREATE TABLE aggregate_invalidations (
    client_id text,
    metric    text,
    bucket    timestamptz
);

CREATE FUNCTION aggregate_invalidate_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ON CONFLICT DO NOTHING may insert nothing (a retry): then nothing is recorded.
  INSERT INTO aggregate_invalidations (client_id, metric, bucket)
  SELECT DISTINCT client_id, metric, aggregate_bucket(ts) FROM inserted;
  RETURN NULL;
END $$;

CREATE FUNCTION aggregate_invalidate_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_invalidations (client_id, metric, bucket)
  SELECT client_id, metric, aggregate_bucket(ts) FROM old_rows
   UNION
  SELECT client_id, metric, aggregate_bucket(ts) FROM new_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION aggregate_invalidate_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_invalidations (client_id, metric, bucket)
  SELECT DISTINCT client_id, metric, aggregate_bucket(ts) FROM old_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION aggregate_invalidate_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_invalidations (client_id, metric, bucket) VALUES (NULL, NULL, NULL);
  RETURN NULL;
END $$;

CREATE TRIGGER events_invalidate_aggregates_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION aggregate_invalidate_inserted();
CREATE TRIGGER events_invalidate_aggregates_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aggregate_invalidate_updated();
CREATE TRIGGER events_invalidate_aggregates_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aggregate_invalidate_deleted();
CREATE TRIGGER events_invalidate_aggregates_truncate AFTER TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION aggregate_invalidate_all();

-- Recomputing one bucket reads only its events (an index-only scan once the table is vacuumed).
CREATE INDEX events_aggregate_idx ON events (client_id, metric, ts) INCLUDE (amount);

-- The levels. numeric throughout: sums are exact; avg is derived (sum / count) when read.
CREATE TABLE aggregate_buckets (
    client_id   text        NOT NULL,
    metric      text        NOT NULL,
    bucket      timestamptz NOT NULL,
    event_count bigint      NOT NULL,
    amount_sum  numeric     NOT NULL,
    amount_min  numeric     NOT NULL,
    amount_max  numeric     NOT NULL,
    PRIMARY KEY (client_id, metric, bucket)
);
CREATE TABLE aggregate_hours (LIKE aggregate_buckets INCLUDING ALL);
CREATE TABLE aggregate_days (LIKE aggregate_buckets INCLUDING ALL);
CREATE TABLE aggregate_totals (
    client_id   text    NOT NULL,
    metric      text    NOT NULL,
    event_count bigint  NOT NULL,
    amount_sum  numeric NOT NULL,
    amount_min  numeric NOT NULL,
    amount_max  numeric NOT NULL,
    PRIMARY KEY (client_id, metric)
);
-- A client's buckets over a time range whatever the metric (GET /aggregates?clientId=&from=&to=).
CREATE INDEX aggregate_buckets_client_bucket_idx ON aggregate_buckets (client_id, bucket);
CREATE INDEX aggregate_hours_client_bucket_idx ON aggregate_hours (client_id, bucket);

-- The buckets a refresh re-materializes: filled and emptied inside one refresh transaction (under the lock), so it
-- is empty whenever no refresh runs. Unlogged: it never holds committed rows that matter after a crash.
CREATE UNLOGGED TABLE aggregate_dirty (
    client_id text        NOT NULL,
    metric    text        NOT NULL,
    bucket    timestamptz NOT NULL,
    PRIMARY KEY (client_id, metric, bucket)
);

-- Rolls the dirty buckets' keys of one level up from the level below: for each key, the sum of the source rows in
-- [key, key + width); a key without any source row left is deleted.
CREATE FUNCTION aggregate_roll_up(target text, source text, unit text, width interval) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($sql$
    WITH keys AS (
      SELECT DISTINCT client_id, metric, date_trunc(%3$L, bucket, 'UTC') AS bucket FROM aggregate_dirty
    ), fresh AS (
      SELECT k.client_id, k.metric, k.bucket, sum(s.event_count)::bigint AS event_count, sum(s.amount_sum) AS amount_sum,
             min(s.amount_min) AS amount_min, max(s.amount_max) AS amount_max
        FROM keys k
        LEFT JOIN %2$I s ON s.client_id = k.client_id AND s.metric = k.metric AND s.bucket >= k.bucket AND s.bucket < k.bucket + $1
       GROUP BY k.client_id, k.metric, k.bucket
    ), gone AS (
      DELETE FROM %1$I t USING fresh f
       WHERE f.event_count IS NULL AND t.client_id = f.client_id AND t.metric = f.metric AND t.bucket = f.bucket
    )
    INSERT INTO %1$I (client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max)
    SELECT client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max FROM fresh WHERE event_count IS NOT NULL
    ON CONFLICT (client_id, metric, bucket) DO UPDATE
       SET event_count = excluded.event_count, amount_sum = excluded.amount_sum,
           amount_min = excluded.amount_min, amount_max = excluded.amount_max$sql$, target, source, unit)
  USING width;
END $$;

-- Re-materializes the buckets in aggregate_dirty from events, then the hours, days and totals above them, and
-- empties aggregate_dirty. Returns how the number of rows in aggregate_buckets changed.
CREATE FUNCTION aggregate_rematerialize_dirty() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  added   bigint;
  removed bigint;
BEGIN
  WITH fresh AS (
    SELECT d.client_id, d.metric, d.bucket, count(e.ts) AS event_count, sum(e.amount) AS amount_sum,
           min(e.amount) AS amount_min, max(e.amount) AS amount_max
      FROM aggregate_dirty d
      LEFT JOIN events e ON e.client_id = d.client_id AND e.metric = d.metric
                        AND e.ts >= d.bucket AND e.ts < d.bucket + interval '15 minutes'
     GROUP BY d.client_id, d.metric, d.bucket
  ), gone AS (
    DELETE FROM aggregate_buckets b USING fresh f
     WHERE f.event_count = 0 AND b.client_id = f.client_id AND b.metric = f.metric AND b.bucket = f.bucket
    RETURNING 1
  ), kept AS (
    INSERT INTO aggregate_buckets (client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max)
    SELECT client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max FROM fresh WHERE event_count > 0
    ON CONFLICT (client_id, metric, bucket) DO UPDATE
       SET event_count = excluded.event_count, amount_sum = excluded.amount_sum,
           amount_min = excluded.amount_min, amount_max = excluded.amount_max
    RETURNING xmax = 0 AS inserted
  )
  SELECT (SELECT count(*) FROM kept WHERE inserted), (SELECT count(*) FROM gone) INTO added, removed;

  PERFORM aggregate_roll_up('aggregate_hours', 'aggregate_buckets', 'hour', interval '1 hour');
  PERFORM aggregate_roll_up('aggregate_days', 'aggregate_hours', 'day', interval '24 hours');

  WITH keys AS (
    SELECT DISTINCT client_id, metric FROM aggregate_dirty
  ), fresh AS (
    SELECT k.client_id, k.metric, sum(s.event_count)::bigint AS event_count, sum(s.amount_sum) AS amount_sum,
           min(s.amount_min) AS amount_min, max(s.amount_max) AS amount_max
      FROM keys k LEFT JOIN aggregate_days s ON s.client_id = k.client_id AND s.metric = k.metric
     GROUP BY k.client_id, k.metric
  ), gone AS (
    DELETE FROM aggregate_totals t USING fresh f
     WHERE f.event_count IS NULL AND t.client_id = f.client_id AND t.metric = f.metric
  )
  INSERT INTO aggregate_totals (client_id, metric, event_count, amount_sum, amount_min, amount_max)
  SELECT client_id, metric, event_count, amount_sum, amount_min, amount_max FROM fresh WHERE event_count IS NOT NULL
  ON CONFLICT (client_id, metric) DO UPDATE
     SET event_count = excluded.event_count, amount_sum = excluded.amount_sum,
         amount_min = excluded.amount_min, amount_max = excluded.amount_max;

  DELETE FROM aggregate_dirty;
  RETURN added - removed;
END $$;

-- What every replica answers with: generation (one more per refresh that changed something), asOf (every event
-- committed before it is in the tables) and how many 15-minute buckets are materialized.
ALTER TABLE aggregate_state ADD COLUMN bucket_rows bigint NOT NULL DEFAULT 0;

-- One refresh attempt; the caller holds the refresh lock (transaction-scoped advisory lock). asOf is this statement's
-- start: every event committed before it is visible to the snapshots below, so its invalidation row is taken and
-- its bucket re-materialized. Returns the state after the attempt and the invalidation rows taken (0: unchanged).
CREATE FUNCTION aggregate_refresh(log_size integer,
    OUT generation bigint, OUT as_of timestamptz, OUT bucket_rows bigint, OUT changes bigint)
    LANGUAGE plpgsql AS $$
DECLARE
  checked    timestamptz := statement_timestamp();
  everything boolean;
  delta      bigint;
BEGIN
  WITH taken AS (
    DELETE FROM aggregate_invalidations RETURNING client_id, metric, bucket
  ), dirty AS (
    INSERT INTO aggregate_dirty (client_id, metric, bucket)
    SELECT DISTINCT client_id, metric, bucket FROM taken WHERE client_id IS NOT NULL
  )
  SELECT count(*), coalesce(bool_or(client_id IS NULL), false) INTO changes, everything FROM taken;

  IF changes = 0 THEN
    UPDATE aggregate_state s SET as_of = greatest(s.as_of, checked)
    RETURNING s.generation, s.as_of, s.bucket_rows INTO generation, as_of, bucket_rows;
    RETURN;
  END IF;
  IF everything THEN
    -- A TRUNCATE: every materialized bucket and every bucket with events is recomputed.
    INSERT INTO aggregate_dirty (client_id, metric, bucket)
    SELECT client_id, metric, bucket FROM aggregate_buckets
     UNION
    SELECT client_id, metric, aggregate_bucket(ts) FROM events
    ON CONFLICT DO NOTHING;
  END IF;
  delta := aggregate_rematerialize_dirty();
  UPDATE aggregate_state s
     SET generation = s.generation + 1, as_of = greatest(s.as_of, checked), bucket_rows = s.bucket_rows + delta
  RETURNING s.generation, s.as_of, s.bucket_rows INTO generation, as_of, bucket_rows;
  INSERT INTO aggregate_refreshes (generation, as_of, duration_ms, view_rows, changes)
  VALUES (generation, as_of, (extract(epoch FROM clock_timestamp() - checked) * 1000)::bigint, bucket_rows, changes);
  DELETE FROM aggregate_refreshes r WHERE r.generation <= aggregate_refresh.generation - log_size;
END $$;

-- Recomputes one client's aggregates from its events (POST /aggregates/rebuild goes client by client, each in its own
-- transaction under the refresh lock). Invalidation rows are left alone: the next refresh recomputes their buckets
-- again, which changes nothing for events this saw and adds those it did not. Returns the client's events counted.
CREATE FUNCTION aggregate_rebuild_client(client text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  counted bigint;
  removed bigint;
  added   bigint;
BEGIN
  DELETE FROM aggregate_buckets WHERE client_id = client;
  GET DIAGNOSTICS removed = ROW_COUNT;
  INSERT INTO aggregate_buckets (client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max)
  SELECT client_id, metric, aggregate_bucket(ts), count(*), sum(amount), min(amount), max(amount)
    FROM events WHERE client_id = client
   GROUP BY client_id, metric, aggregate_bucket(ts);
  GET DIAGNOSTICS added = ROW_COUNT;
  SELECT coalesce(sum(event_count), 0) INTO counted FROM aggregate_buckets WHERE client_id = client;

  DELETE FROM aggregate_hours WHERE client_id = client;
  INSERT INTO aggregate_hours
  SELECT client_id, metric, date_trunc('hour', bucket, 'UTC'), sum(event_count), sum(amount_sum), min(amount_min), max(amount_max)
    FROM aggregate_buckets WHERE client_id = client GROUP BY 1, 2, 3;
  DELETE FROM aggregate_days WHERE client_id = client;
  INSERT INTO aggregate_days
  SELECT client_id, metric, date_trunc('day', bucket, 'UTC'), sum(event_count), sum(amount_sum), min(amount_min), max(amount_max)
    FROM aggregate_hours WHERE client_id = client GROUP BY 1, 2, 3;
  DELETE FROM aggregate_totals WHERE client_id = client;
  INSERT INTO aggregate_totals
  SELECT client_id, metric, sum(event_count), sum(amount_sum), min(amount_min), max(amount_max)
    FROM aggregate_days WHERE client_id = client GROUP BY 1, 2;

  UPDATE aggregate_state SET generation = generation + 1, bucket_rows = bucket_rows - removed + added;
  RETURN counted;
END $$;

-- Every client with events or with aggregates, in order; a skip scan of the events' primary key (one index probe per
-- client), not a scan of all events.
CREATE FUNCTION aggregate_clients() RETURNS SETOF text LANGUAGE sql STABLE AS $$
  WITH RECURSIVE c AS (
    SELECT min(client_id) AS id FROM events
    UNION ALL
    SELECT (SELECT min(client_id) FROM events WHERE client_id > c.id) FROM c WHERE c.id IS NOT NULL
  )
  SELECT id FROM c WHERE id IS NOT NULL
   UNION
  SELECT DISTINCT client_id FROM aggregate_totals
   ORDER BY 1
$$;

-- The consistency check: a sample of buckets (half from the materialized buckets, half from buckets that have events)
-- compared with a recompute from events, in one statement and so in one snapshot. A bucket with an invalidation row
-- visible in that snapshot is skipped: its events are newer than its materialization, which is expected until the
-- next refresh. Every bucket that differs is invalidated, so the next refresh repairs it; the differences are returned.
CREATE FUNCTION aggregate_check(sample integer)
    RETURNS TABLE (client_id text, metric text, bucket timestamptz,
                   materialized_count bigint, materialized_sum numeric, materialized_min numeric, materialized_max numeric,
                   recomputed_count bigint, recomputed_sum numeric, recomputed_min numeric, recomputed_max numeric)
    LANGUAGE plpgsql AS $$
DECLARE
  bucket_pct real;
  event_pct  real;
BEGIN
  -- TABLESAMPLE SYSTEM picks whole pages, each with this probability: about `sample` pages of each table, whose rows
  -- are then shuffled. Cheap at any size (never a scan of all rows once the tables have been analyzed).
  SELECT least(100, 100.0 * greatest(sample, 1) / greatest(c.relpages, 1)) INTO bucket_pct
    FROM pg_class c WHERE c.oid = 'aggregate_buckets'::regclass;
  SELECT least(100, 100.0 * greatest(sample, 1) / greatest(c.relpages, 1)) INTO event_pct
    FROM pg_class c WHERE c.oid = 'events'::regclass;
  RETURN QUERY
  WITH sampled AS (
    (SELECT b.client_id, b.metric, b.bucket FROM aggregate_buckets b TABLESAMPLE SYSTEM (bucket_pct)
      ORDER BY random() LIMIT greatest(sample / 2, 1))
    UNION
    (SELECT e.client_id, e.metric, aggregate_bucket(e.ts) FROM events e TABLESAMPLE SYSTEM (event_pct)
      ORDER BY random() LIMIT greatest(sample - sample / 2, 1))
  ), settled AS (
    SELECT s.* FROM sampled s
     WHERE NOT EXISTS (SELECT 1 FROM aggregate_invalidations i
                        WHERE i.client_id IS NULL
                           OR (i.client_id = s.client_id AND i.metric = s.metric AND i.bucket = s.bucket))
  ), compared AS (
    SELECT s.client_id, s.metric, s.bucket, b.event_count, b.amount_sum, b.amount_min, b.amount_max,
           r.event_count AS r_count, r.amount_sum AS r_sum, r.amount_min AS r_min, r.amount_max AS r_max
      FROM settled s
      LEFT JOIN aggregate_buckets b ON b.client_id = s.client_id AND b.metric = s.metric AND b.bucket = s.bucket
      CROSS JOIN LATERAL (
        SELECT count(*) AS event_count, sum(e.amount) AS amount_sum, min(e.amount) AS amount_min, max(e.amount) AS amount_max
          FROM events e
         WHERE e.client_id = s.client_id AND e.metric = s.metric AND e.ts >= s.bucket AND e.ts < s.bucket + interval '15 minutes'
      ) r
  ), differing AS (
    SELECT * FROM compared c
     WHERE (coalesce(c.event_count, 0), c.amount_sum, c.amount_min, c.amount_max)
           IS DISTINCT FROM (c.r_count, c.r_sum, c.r_min, c.r_max)
  ), repair AS (
    INSERT INTO aggregate_invalidations (client_id, metric, bucket) SELECT d.client_id, d.metric, d.bucket FROM differing d
  )
  SELECT * FROM differing;
END $$;

-- Materialize the events already stored: level by level, in this transaction (events are locked against writes since
-- the triggers were created, so this sees every committed event and no event can commit unseen).
INSERT INTO aggregate_buckets (client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max)
SELECT client_id, metric, aggregate_bucket(ts), count(*), sum(amount), min(amount), max(amount)
  FROM events GROUP BY client_id, metric, aggregate_bucket(ts);
INSERT INTO aggregate_hours
SELECT client_id, metric, date_trunc('hour', bucket, 'UTC'), sum(event_count), sum(amount_sum), min(amount_min), max(amount_max)
  FROM aggregate_buckets GROUP BY 1, 2, 3;
INSERT INTO aggregate_days
SELECT client_id, metric, date_trunc('day', bucket, 'UTC'), sum(event_count), sum(amount_sum), min(amount_min), max(amount_max)
  FROM aggregate_hours GROUP BY 1, 2, 3;
INSERT INTO aggregate_totals
SELECT client_id, metric, sum(event_count), sum(amount_sum), min(amount_min), max(amount_max)
  FROM aggregate_days GROUP BY 1, 2;

-- now() is this transaction's start: every event committed before it is materialized above.
UPDATE aggregate_state
   SET generation = generation + 1, as_of = greatest(as_of, now()), bucket_rows = (SELECT count(*) FROM aggregate_buckets);
INSERT INTO aggregate_refreshes (generation, as_of, duration_ms, view_rows, changes)
SELECT generation, as_of, 0, bucket_rows, 0 FROM aggregate_state
ON CONFLICT (generation) DO NOTHING;

DROP MATERIALIZED VIEW hourly_aggregates;

-- Rebuilds requested with POST /aggregates/rebuild, with their progress (clients done of total).
CREATE TABLE aggregate_rebuilds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state       text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'succeeded', 'failed')),
    total       integer     NOT NULL DEFAULT 0,
    processed   integer     NOT NULL DEFAULT 0,
    events      bigint      NOT NULL DEFAULT 0,
    started_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    error       text
);
-- At most one rebuild runs at a time (a second POST is answered with the running one).
CREATE UNIQUE INDEX aggregate_rebuilds_one_running ON aggregate_rebuilds ((true)) WHERE state = 'running';
