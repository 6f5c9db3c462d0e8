-- Aggregates: hourly buckets in a materialized view, refreshed CONCURRENTLY by one replica at a time.

-- Change markers. A statement that inserts, updates or deletes events adds one row here (a row per
-- statement, not per event, and never an UPDATE of a shared row, so concurrent ingest transactions do not
-- queue behind each other). The refresher deletes the markers it has seen in the transaction that
-- refreshes, so "any row here?" answers "was anything committed since the last refresh?" without touching
-- events. A marker's transaction commits together with its events: neither is visible without the other.
CREATE TABLE aggregate_changes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    marked_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION aggregate_mark_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ON CONFLICT DO NOTHING may insert nothing (a retry): that changes no aggregate.
  IF EXISTS (SELECT 1 FROM inserted) THEN
    INSERT INTO aggregate_changes DEFAULT VALUES;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION aggregate_mark_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_changes DEFAULT VALUES;
  RETURN NULL;
END $$;

-- The triggers come first on purpose: CREATE TRIGGER locks events against writes until this migration
-- commits, so no event can commit between the view's snapshot below and the triggers taking effect.
CREATE TRIGGER events_mark_aggregates_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION aggregate_mark_insert();
CREATE TRIGGER events_mark_aggregates_change AFTER UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION aggregate_mark_change();

-- One row per (client, metric, UTC hour). numeric throughout: sums are exact. avg is derived (sum / count).
-- date_trunc with an explicit 'UTC' so the buckets do not depend on the session's TimeZone.
CREATE MATERIALIZED VIEW hourly_aggregates AS
SELECT client_id,
       metric,
       date_trunc('hour', ts, 'UTC') AS bucket,
       count(*)                      AS event_count,
       sum(amount)                   AS amount_sum,
       min(amount)                   AS amount_min,
       max(amount)                   AS amount_max
  FROM events
 GROUP BY client_id, metric, date_trunc('hour', ts, 'UTC')
  WITH DATA;

-- Required by REFRESH ... CONCURRENTLY (plain columns, no WHERE); also serves per-client queries in order.
CREATE UNIQUE INDEX hourly_aggregates_key ON hourly_aggregates (client_id, metric, bucket);

-- What every replica answers with: the view's generation (bumped by each refresh that ran) and asOf (every
-- event committed before it is in the view). asOf also advances when a check finds nothing changed.
CREATE TABLE aggregate_state (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    generation bigint      NOT NULL,
    as_of      timestamptz NOT NULL
);
-- The view above was built in this transaction, after now(): everything committed before now() is in it.
INSERT INTO aggregate_state (generation, as_of) VALUES (1, now());

-- One row per refresh that ran (bounded: the refresher keeps the newest tally.aggregates.refresh-log-size).
CREATE TABLE aggregate_refreshes (
    generation  bigint      PRIMARY KEY,
    as_of       timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    duration_ms bigint      NOT NULL,
    view_rows   bigint      NOT NULL,
    changes     bigint      NOT NULL
);
INSERT INTO aggregate_refreshes (generation, as_of, duration_ms, view_rows, changes)
SELECT 1, now(), 0, count(*), 0 FROM hourly_aggregates;
