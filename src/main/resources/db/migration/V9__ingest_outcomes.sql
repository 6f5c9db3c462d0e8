-- What happened to received events, over time (GET /outcomes): raw rows per client, 15-minute bucket of their
-- received_at and status, and the rejection codes among them, materialized incrementally like the aggregates (V8)
-- and refreshed by the same advisory-locked aggregate_refresh, so a dashboard never scans raw_events.
--
--   outcome_changes  signed deltas written by statement triggers on raw_events in the writing transaction (one
--                    INSERT ... SELECT ... GROUP BY over the transition tables per statement): +1 for each row a
--                    statement inserts, -1 for its old (client, bucket, status) and +1 for its new one when an UPDATE
--                    changes them (pending -> accepted, a replay re-settling rejected -> accepted), -1 on DELETE.
--                    Deltas add up whatever order transactions commit in, so folding them is exact.
--   outcome_buckets  per client (''  when no clientId could be read) and 15-minute bucket: one count per status.
--   outcome_codes    per client, bucket and rejection code (raw_events.reasons[].code of rejected and unparseable rows):
--                    how many rows carry it (once per row), and up to three of them as examples, the newest given it,
--                    with the message of the newest. A row that loses the code (a replay accepts it, it is deleted)
--                    stops being an example; the examples are not refilled from older rows, so a code whose newest
--                    rows were all re-settled may show fewer examples than rows.
--
-- aggregate_refresh folds the deltas its first statement deletes into both tables in that same statement (one
-- snapshot): a delta committed later stays for the next refresh, none is folded twice.

CREATE TABLE outcome_changes (
    client_id       text        NOT NULL,
    bucket          timestamptz NOT NULL,
    status          text        NOT NULL,
    code            text,
    delta           bigint      NOT NULL,
    examples        bigint[],
    example_message text
);

CREATE TABLE outcome_buckets (
    client_id   text        NOT NULL,
    bucket      timestamptz NOT NULL,
    pending     bigint      NOT NULL DEFAULT 0,
    accepted    bigint      NOT NULL DEFAULT 0,
    duplicate   bigint      NOT NULL DEFAULT 0,
    rejected    bigint      NOT NULL DEFAULT 0,
    conflict    bigint      NOT NULL DEFAULT 0,
    unparseable bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, bucket)
);
-- Rows whose counts all went back to zero (their raw rows deleted), found without a scan and deleted by the refresh.
CREATE INDEX outcome_buckets_empty_idx ON outcome_buckets (client_id, bucket)
    WHERE pending = 0 AND accepted = 0 AND duplicate = 0 AND rejected = 0 AND conflict = 0 AND unparseable = 0;

CREATE TABLE outcome_codes (
    client_id       text        NOT NULL,
    bucket          timestamptz NOT NULL,
    code            text        NOT NULL,
    rows_count      bigint      NOT NULL,
    examples        bigint[]    NOT NULL DEFAULT '{}',
    example_message text,
    PRIMARY KEY (client_id, bucket, code)
);
-- The deltas one refresh folds: moved here from outcome_changes by its first statement (one snapshot), read by the
-- statements after it, emptied before the refresh commits. Unlogged and empty whenever no refresh runs, like
-- aggregate_dirty.
CREATE UNLOGGED TABLE outcome_taken (LIKE outcome_changes);

CREATE INDEX outcome_codes_empty_idx ON outcome_codes (client_id, bucket, code) WHERE rows_count = 0;

CREATE FUNCTION outcome_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outcome_changes (client_id, bucket, status, code, delta, examples, example_message)
  SELECT coalesce(client_id, ''), aggregate_bucket(received_at), status, NULL, count(*), NULL::bigint[], NULL
    FROM inserted GROUP BY 1, 2, 3
  UNION ALL
  SELECT coalesce(r.client_id, ''), aggregate_bucket(r.received_at), r.status, c.code, count(DISTINCT r.id),
         (array_agg(DISTINCT r.id ORDER BY r.id DESC))[1:3], (array_agg(c.message ORDER BY r.id DESC))[1]
    FROM inserted r
    CROSS JOIN LATERAL (SELECT e->>'code' AS code, e->>'message' AS message
                          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.reasons) = 'array' THEN r.reasons ELSE '[]' END) e) c
   WHERE r.status IN ('rejected', 'unparseable') AND c.code IS NOT NULL
   GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$;

CREATE FUNCTION outcome_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Most updates change nothing counted (a settle failure marked, a replay re-rejecting for the same reason): the
  -- -1 and +1 cancel out and nothing is written.
  INSERT INTO outcome_changes (client_id, bucket, status, code, delta, examples, example_message)
  WITH changed AS (
    SELECT -1 AS sign, id, client_id, received_at, status, reasons FROM old_rows
    UNION ALL
    SELECT 1, id, client_id, received_at, status, reasons FROM new_rows
  )
  SELECT coalesce(client_id, ''), aggregate_bucket(received_at), status, NULL, sum(sign), NULL::bigint[], NULL
    FROM changed GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
  UNION ALL
  -- Per row and code, the net change: a row that leaves a code is listed as -id (removed from the examples), one
  -- that gains it as +id; a row re-rejected for the same reason nets out and is not listed.
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
   GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$;

CREATE FUNCTION outcome_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outcome_changes (client_id, bucket, status, code, delta, examples, example_message)
  SELECT coalesce(client_id, ''), aggregate_bucket(received_at), status, NULL, -count(*), NULL::bigint[], NULL
    FROM old_rows GROUP BY 1, 2, 3
  UNION ALL
  SELECT coalesce(r.client_id, ''), aggregate_bucket(r.received_at), r.status, c.code, -count(DISTINCT r.id),
         array_agg(DISTINCT -r.id), NULL
    FROM old_rows r
    CROSS JOIN LATERAL (SELECT e->>'code' AS code
                          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.reasons) = 'array' THEN r.reasons ELSE '[]' END) e) c
   WHERE r.status IN ('rejected', 'unparseable') AND c.code IS NOT NULL
   GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$;

-- TRUNCATE raw_events (with events): every count is gone. Under the refresh lock, so no fold runs meanwhile; raw_events
-- is locked exclusively, so no writer of deltas is in flight either. The generation moves on for the ETags.
CREATE FUNCTION outcome_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(x'74616c6c79'::bigint);
  DELETE FROM outcome_changes;
  DELETE FROM outcome_buckets;
  DELETE FROM outcome_codes;
  UPDATE aggregate_state SET generation = generation + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER raw_events_outcomes_insert AFTER INSERT ON raw_events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION outcome_inserted();
CREATE TRIGGER raw_events_outcomes_update AFTER UPDATE ON raw_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outcome_updated();
CREATE TRIGGER raw_events_outcomes_delete AFTER DELETE ON raw_events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outcome_deleted();
CREATE TRIGGER raw_events_outcomes_truncate AFTER TRUNCATE ON raw_events
    FOR EACH STATEMENT EXECUTE FUNCTION outcome_truncated();

-- Folds every delta its first statement's snapshot sees into the counts; returns the deltas taken. examples in a
-- delta are signed raw ids: +id gained the code, -id lost it (re-settled or deleted); netted per id over the deltas
-- taken, so whatever order their transactions committed in, a row is added, removed or left as it was.
CREATE FUNCTION outcome_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  taken_rows bigint;
BEGIN
  WITH taken AS (
    DELETE FROM outcome_changes RETURNING *
  )
  INSERT INTO outcome_taken SELECT * FROM taken;
  GET DIAGNOSTICS taken_rows = ROW_COUNT;
  IF taken_rows = 0 THEN
    RETURN 0;
  END IF;

  INSERT INTO outcome_buckets AS o (client_id, bucket, pending, accepted, duplicate, rejected, conflict, unparseable)
  SELECT client_id, bucket,
         coalesce(sum(delta) FILTER (WHERE status = 'pending'), 0),
         coalesce(sum(delta) FILTER (WHERE status = 'accepted'), 0),
         coalesce(sum(delta) FILTER (WHERE status = 'duplicate'), 0),
         coalesce(sum(delta) FILTER (WHERE status = 'rejected'), 0),
         coalesce(sum(delta) FILTER (WHERE status = 'conflict'), 0),
         coalesce(sum(delta) FILTER (WHERE status = 'unparseable'), 0)
    FROM outcome_taken WHERE code IS NULL GROUP BY client_id, bucket
  ON CONFLICT (client_id, bucket) DO UPDATE
     SET pending = o.pending + excluded.pending, accepted = o.accepted + excluded.accepted,
         duplicate = o.duplicate + excluded.duplicate, rejected = o.rejected + excluded.rejected,
         conflict = o.conflict + excluded.conflict, unparseable = o.unparseable + excluded.unparseable;

  -- Rows that lost a code are no longer its examples.
  WITH ids AS (
    SELECT client_id, bucket, code, abs(x) AS id, sum(sign(x)) AS net
      FROM outcome_taken, unnest(examples) x WHERE code IS NOT NULL GROUP BY 1, 2, 3, 4
  ), removed AS (
    SELECT client_id, bucket, code, array_agg(id) AS ids FROM ids WHERE net < 0 GROUP BY 1, 2, 3
  )
  UPDATE outcome_codes o SET examples = ARRAY(SELECT x FROM unnest(o.examples) x WHERE x <> ALL (r.ids) ORDER BY x DESC)
    FROM removed r
   WHERE o.client_id = r.client_id AND o.bucket = r.bucket AND o.code = r.code AND o.examples && r.ids;

  -- The counts, and the rows that gained a code: the newest three of the kept and the added are the examples, and the
  -- message follows the newest example added.
  WITH ids AS (
    SELECT client_id, bucket, code, abs(x) AS id, sum(sign(x)) AS net
      FROM outcome_taken, unnest(examples) x WHERE code IS NOT NULL GROUP BY 1, 2, 3, 4
  ), added AS (
    SELECT client_id, bucket, code, (array_agg(id ORDER BY id DESC))[1:3] AS ids FROM ids WHERE net > 0 GROUP BY 1, 2, 3
  ), counted AS (
    SELECT client_id, bucket, code, sum(delta) AS delta,
           (array_agg(example_message ORDER BY (SELECT max(x) FROM unnest(examples) x) DESC NULLS LAST)
              FILTER (WHERE example_message IS NOT NULL))[1] AS message
      FROM outcome_taken WHERE code IS NOT NULL GROUP BY 1, 2, 3
  )
  INSERT INTO outcome_codes AS o (client_id, bucket, code, rows_count, examples, example_message)
  SELECT c.client_id, c.bucket, c.code, c.delta, coalesce(a.ids, '{}'), c.message
    FROM counted c LEFT JOIN added a ON a.client_id = c.client_id AND a.bucket = c.bucket AND a.code = c.code
  ON CONFLICT (client_id, bucket, code) DO UPDATE
     SET rows_count = o.rows_count + excluded.rows_count,
         examples = (SELECT coalesce(array_agg(x ORDER BY x DESC), '{}')
                       FROM (SELECT DISTINCT x FROM unnest(o.examples || excluded.examples) x ORDER BY x DESC LIMIT 3) n),
         example_message = CASE WHEN coalesce(excluded.examples[1], 0) > coalesce(o.examples[1], 0) AND excluded.example_message IS NOT NULL
                                THEN excluded.example_message ELSE o.example_message END;
  DELETE FROM outcome_taken;
  DELETE FROM outcome_buckets
   WHERE pending = 0 AND accepted = 0 AND duplicate = 0 AND rejected = 0 AND conflict = 0 AND unparseable = 0;
  DELETE FROM outcome_codes WHERE rows_count = 0;
  RETURN taken_rows;
END $$;

-- V8's refresh, with the outcomes folded in first: changes counts the outcome deltas too, so a refresh that only
-- moved outcomes also advances the generation (and so the ETags).
CREATE OR REPLACE FUNCTION aggregate_refresh(log_size integer,
    OUT generation bigint, OUT as_of timestamptz, OUT bucket_rows bigint, OUT changes bigint)
    LANGUAGE plpgsql AS $$
DECLARE
  checked    timestamptz := statement_timestamp();
  everything boolean;
  delta      bigint;
  outcomes   bigint;
BEGIN
  outcomes := outcome_fold();
  WITH taken AS (
    DELETE FROM aggregate_invalidations RETURNING client_id, metric, bucket
  ), dirty AS (
    INSERT INTO aggregate_dirty (client_id, metric, bucket)
    SELECT DISTINCT client_id, metric, bucket FROM taken WHERE client_id IS NOT NULL
  )
  SELECT count(*), coalesce(bool_or(client_id IS NULL), false) INTO changes, everything FROM taken;

  IF changes = 0 AND outcomes = 0 THEN
    UPDATE aggregate_state s SET as_of = greatest(s.as_of, checked)
    RETURNING s.generation, s.as_of, s.bucket_rows INTO generation, as_of, bucket_rows;
    RETURN;
  END IF;
  IF everything THEN
    INSERT INTO aggregate_dirty (client_id, metric, bucket)
    SELECT client_id, metric, bucket FROM aggregate_buckets
     UNION
    SELECT client_id, metric, aggregate_bucket(ts) FROM events
    ON CONFLICT DO NOTHING;
  END IF;
  delta := CASE WHEN changes > 0 THEN aggregate_rematerialize_dirty() ELSE 0 END;
  changes := changes + outcomes;
  UPDATE aggregate_state s
     SET generation = s.generation + 1, as_of = greatest(s.as_of, checked), bucket_rows = s.bucket_rows + delta
  RETURNING s.generation, s.as_of, s.bucket_rows INTO generation, as_of, bucket_rows;
  INSERT INTO aggregate_refreshes (generation, as_of, duration_ms, view_rows, changes)
  VALUES (generation, as_of, (extract(epoch FROM clock_timestamp() - checked) * 1000)::bigint, bucket_rows, changes);
  DELETE FROM aggregate_refreshes r WHERE r.generation <= aggregate_refresh.generation - log_size;
END $$;

-- Every client with outcomes, in order: a skip scan of outcome_buckets' primary key.
CREATE FUNCTION outcome_clients() RETURNS SETOF text LANGUAGE sql STABLE AS $$
  WITH RECURSIVE c AS (
    SELECT min(client_id) AS id FROM outcome_buckets
    UNION ALL
    SELECT (SELECT min(client_id) FROM outcome_buckets WHERE client_id > c.id) FROM c WHERE c.id IS NOT NULL
  )
  SELECT id FROM c WHERE id IS NOT NULL
$$;

-- The raw rows already stored, counted in this transaction (raw_events is locked against writes since the triggers
-- were created above, so every row is either counted here or fires them).
INSERT INTO outcome_buckets (client_id, bucket, pending, accepted, duplicate, rejected, conflict, unparseable)
SELECT coalesce(client_id, ''), aggregate_bucket(received_at),
       count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'accepted'),
       count(*) FILTER (WHERE status = 'duplicate'), count(*) FILTER (WHERE status = 'rejected'),
       count(*) FILTER (WHERE status = 'conflict'), count(*) FILTER (WHERE status = 'unparseable')
  FROM raw_events GROUP BY 1, 2;
INSERT INTO outcome_codes (client_id, bucket, code, rows_count, examples, example_message)
SELECT coalesce(r.client_id, ''), aggregate_bucket(r.received_at), c.code, count(DISTINCT r.id),
       (array_agg(DISTINCT r.id ORDER BY r.id DESC))[1:3], (array_agg(c.message ORDER BY r.id DESC))[1]
  FROM raw_events r
  CROSS JOIN LATERAL (SELECT e->>'code' AS code, e->>'message' AS message
                        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.reasons) = 'array' THEN r.reasons ELSE '[]' END) e) c
 WHERE r.status IN ('rejected', 'unparseable') AND c.code IS NOT NULL
 GROUP BY 1, 2, 3;

-- Replays can be cancelled (POST /replays/{id}/cancel): the runner stops at the next chunk boundary.
ALTER TABLE replays DROP CONSTRAINT replays_state_check;
ALTER TABLE replays ADD CONSTRAINT replays_state_check CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled'));
-- GET /replays, newest first, all clients or one.
CREATE INDEX replays_client_idx ON replays (client_id, id DESC);
