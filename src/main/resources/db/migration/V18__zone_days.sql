-- Days in operator-listed zones, pre-rolled (tally.aggregates.day-zones): GET /aggregates?granularity=day&tz=<zone>
-- for a listed zone reads one row per client, metric and day, as fast as UTC days, instead of summing the zone's
-- 24 hours (whole-hour zones) or hours and quarters (Asia/Kolkata, Asia/Kathmandu, Australia/Lord_Howe) per day.
--
-- A zone's day is the local date of each source row's start: from aggregate_hours for zones whose offsets are whole
-- hours since 1980, else from the 15-minute aggregate_buckets; every source row lies in exactly one day of the zone,
-- so the sums are exact across DST changes (days of 23, 23.5, 24.5 and 25 hours). These are the same rows and the same
-- grouping as the query path for zones that are not listed, so the answers are identical.

-- The listed zones. Tally adds a listed zone (ready = false), fills every client's days of it client by client, then
-- sets ready; GET reads the pre-rolled days only of a ready zone, checked in the statement's own snapshot.
CREATE TABLE aggregate_zones (
    zone     text        PRIMARY KEY,
    hourly   boolean     NOT NULL,
    ready    boolean     NOT NULL DEFAULT false,
    added_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aggregate_zone_days (
    client_id   text    NOT NULL,
    zone        text    NOT NULL,
    metric      text    NOT NULL,
    day         date    NOT NULL,
    event_count bigint  NOT NULL,
    amount_sum  numeric NOT NULL,
    amount_min  numeric NOT NULL,
    amount_max  numeric NOT NULL,
    PRIMARY KEY (client_id, zone, metric, day)
);

-- Re-materializes the days of one zone that contain the buckets in aggregate_dirty (the refresh's changed buckets).
-- The day of an hourly zone's row is that of its hour's start, as the query path groups it. Pinned to a nested loop
-- over the changed keys: aggregate_dirty is never analyzed (it is empty between refreshes), and estimated at ~800
-- rows the planner hashed the whole source level on (client, metric, date) instead, 240-300 ms at 1M events for one
-- changed bucket, where the index range per key costs a millisecond.
CREATE FUNCTION aggregate_roll_up_zone(zone_name text, hourly boolean) RETURNS void LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  EXECUTE format($sql$
    WITH keys AS (
      SELECT DISTINCT client_id, metric, (%2$s AT TIME ZONE $1)::date AS day FROM aggregate_dirty
    ), fresh AS (
      SELECT k.client_id, k.metric, k.day, sum(s.event_count)::bigint AS event_count, sum(s.amount_sum) AS amount_sum,
             min(s.amount_min) AS amount_min, max(s.amount_max) AS amount_max
        FROM keys k
        LEFT JOIN %1$I s ON s.client_id = k.client_id AND s.metric = k.metric
              -- the day's bounds, widened by more than any offset change, for the index; the date is the exact test
              AND s.bucket >= (k.day::timestamp AT TIME ZONE $1) - interval '3 hours'
              AND s.bucket < ((k.day + 1)::timestamp AT TIME ZONE $1) + interval '3 hours'
              AND (s.bucket AT TIME ZONE $1)::date = k.day
       GROUP BY k.client_id, k.metric, k.day
    ), gone AS (
      DELETE FROM aggregate_zone_days t USING fresh f
       WHERE f.event_count IS NULL AND t.client_id = f.client_id AND t.zone = $1 AND t.metric = f.metric AND t.day = f.day
    )
    INSERT INTO aggregate_zone_days (client_id, zone, metric, day, event_count, amount_sum, amount_min, amount_max)
    SELECT client_id, $1, metric, day, event_count, amount_sum, amount_min, amount_max FROM fresh WHERE event_count IS NOT NULL
    ON CONFLICT (client_id, zone, metric, day) DO UPDATE
       SET event_count = excluded.event_count, amount_sum = excluded.amount_sum,
           amount_min = excluded.amount_min, amount_max = excluded.amount_max$sql$,
    CASE WHEN hourly THEN 'aggregate_hours' ELSE 'aggregate_buckets' END,
    CASE WHEN hourly THEN $e$date_trunc('hour', bucket, 'UTC')$e$ ELSE 'bucket' END)
  USING zone_name;
END $$;

-- Recomputes one client's days of one zone from its hours or buckets (the fill of a newly listed zone, and the
-- rebuild, both under the refresh lock).
CREATE FUNCTION aggregate_fill_zone(zone_name text, hourly boolean, client text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM aggregate_zone_days d WHERE d.client_id = client AND d.zone = zone_name;
  EXECUTE format($sql$
    INSERT INTO aggregate_zone_days (client_id, zone, metric, day, event_count, amount_sum, amount_min, amount_max)
    SELECT client_id, $1, metric, (bucket AT TIME ZONE $1)::date, sum(event_count), sum(amount_sum), min(amount_min),
           max(amount_max)
      FROM %I WHERE client_id = $2 GROUP BY 1, 2, 3, 4$sql$,
    CASE WHEN hourly THEN 'aggregate_hours' ELSE 'aggregate_buckets' END)
  USING zone_name, client;
END $$;

-- Every listed zone's days of one client.
CREATE FUNCTION aggregate_fill_zones(client text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  listed record;
BEGIN
  FOR listed IN SELECT z.zone, z.hourly FROM aggregate_zones z ORDER BY z.zone LOOP
    PERFORM aggregate_fill_zone(listed.zone, listed.hourly, client);
  END LOOP;
END $$;

-- V8's per-client rebuild, with the client's days in the listed zones recomputed too.
CREATE OR REPLACE FUNCTION aggregate_rebuild_client(client text) RETURNS bigint LANGUAGE plpgsql AS $$
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
  PERFORM aggregate_fill_zones(client);

  UPDATE aggregate_state SET generation = generation + 1, bucket_rows = bucket_rows - removed + added;
  RETURN counted;
END $$;

-- V8's function with the listed zones' days rolled up too, before aggregate_dirty is emptied.
CREATE OR REPLACE FUNCTION aggregate_rematerialize_dirty() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  added   bigint;
  removed bigint;
  listed  record;
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
  FOR listed IN SELECT z.zone, z.hourly FROM aggregate_zones z ORDER BY z.zone LOOP
    PERFORM aggregate_roll_up_zone(listed.zone, listed.hourly);
  END LOOP;

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

-- No JIT compilation in the refresh and the consistency check. Their statements join aggregate_dirty (never analyzed:
-- empty between refreshes, estimated at ~800 rows) with the events: at 10M events a one-bucket refresh was costed at
-- ~285,000, above jit_above_cost, and spent ~50 ms compiling a plan that runs in 0.2 ms (10M/1M refresh time 4.6x).
ALTER FUNCTION aggregate_refresh(integer) SET jit = off;
ALTER FUNCTION aggregate_check(integer) SET jit = off;

-- Under Citus (docs/citus.md) the days are distributed by client like the other levels, in the shards of the same
-- clients; aggregate_zones stays on the coordinator. And JIT is turned off for the database: the coordinator plans its
-- part of every read over the workers' intermediate results, which it estimates at 1,000,000 rows whatever they hold,
-- so each GET of a week's hours would be JIT-compiled (5-25 ms for a query that runs in a few).
-- docker/database/citus-distribute.sh runs this block again.
DO $citus$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'raw_events'::regclass) THEN
    RETURN;
  END IF;
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
  IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'aggregate_zone_days'::regclass) THEN
    PERFORM create_distributed_table('aggregate_zone_days', 'client_id', colocate_with => 'raw_events');
  END IF;
END $citus$;
