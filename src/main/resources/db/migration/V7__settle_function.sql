-- The settle step of the write path in one statement: one round trip and, for requests, one commit (the call is
-- autocommitted) instead of BEGIN, lock, insert, update, COMMIT. Recovery runs and replays call it inside their own
-- transaction. Takes one entry per raw row to settle, the arrays aligned: the event's columns (fingerprint null
-- for a rejected row, whose reasons are given instead) and the mapping version. Returns each raw row's final
-- status and, for a duplicate or conflict, the raw row whose event it matched.
--
-- VOLATILE on purpose: under READ COMMITTED each statement of a volatile function takes a new snapshot, so the
-- status update sees the event of a concurrent transaction that made this insert do nothing (ON CONFLICT waited
-- for it to commit), exactly as the separate statements it replaces did.
CREATE FUNCTION tally_settle(raw_ids bigint[], client_ids text[], fingerprints text[], event_ids text[], metrics text[],
                             amounts text[], timestamps text[], reasons text[], mapping_versions integer[])
  RETURNS TABLE (settled_raw_id bigint, settled_status text, settled_original_raw_id bigint)
  LANGUAGE plpgsql VOLATILE
  -- A plan made for these arrays' values, every call. PL/pgSQL caches its statements' plans; after five calls a
  -- cached generic plan, made blind to how many rows the arrays hold (and, early on, for tables that were nearly
  -- empty), joined by hash over whole-table scans of events and raw_events: measured, one sequential scan of each
  -- per call, so ingest slowed as the tables grew (700 -> 430 requests/s over 35,000 events).
  SET plan_cache_mode = force_custom_plan
  AS $$
BEGIN
  -- Raw rows first, then events: the order the recovery job and replays take them in (they claim raw rows FOR UPDATE
  -- SKIP LOCKED), so a request and a recovery working on the same rows wait, never deadlock.
  PERFORM 1 FROM raw_events r WHERE r.id = ANY (raw_ids) ORDER BY r.id FOR UPDATE;

  -- One event per (client, fingerprint): the raw row stored first stands for it, the others of the same call
  -- settle as its duplicates (or conflicts).
  INSERT INTO events (client_id, fingerprint, event_id, metric, amount, ts, raw_id, mapping_version)
  SELECT DISTINCT ON (u.c, u.f) u.c, u.f, u.e, u.m, u.a::numeric, u.t::timestamptz, u.id, u.v
    FROM unnest(raw_ids, client_ids, fingerprints, event_ids, metrics, amounts, timestamps, mapping_versions)
      AS u(id, c, f, e, m, a, t, v)
   WHERE u.f IS NOT NULL
   ORDER BY u.c, u.f, u.id
  ON CONFLICT (client_id, fingerprint) DO NOTHING;

  RETURN QUERY
  WITH u AS (
    SELECT * FROM unnest(raw_ids, client_ids, fingerprints, metrics, amounts, timestamps, reasons, mapping_versions)
      AS u(raw_id, client_id, fingerprint, metric, amount, ts, reasons, mapping_version)
  ), resolved AS (
    SELECT u.raw_id, u.client_id, u.fingerprint, u.reasons, u.mapping_version, e.raw_id AS original_raw_id,
           CASE WHEN u.fingerprint IS NULL THEN 'rejected'
                WHEN e.raw_id IS NULL THEN 'pending'
                WHEN e.raw_id = u.raw_id THEN 'accepted'
                WHEN e.metric = u.metric AND e.amount = u.amount::numeric AND e.ts = u.ts::timestamptz THEN 'duplicate'
                ELSE 'conflict' END AS status
      FROM u LEFT JOIN events e ON e.client_id = u.client_id AND e.fingerprint = u.fingerprint
  )
  UPDATE raw_events r
     SET status = resolved.status,
         client_id = coalesce(resolved.client_id, r.client_id),
         fingerprint = resolved.fingerprint,
         reasons = resolved.reasons::jsonb,
         mapping_version = resolved.mapping_version,
         processed_at = now(),
         -- A row a recovery run or replay could not settle before (V6) is no longer in trouble; attempts stay.
         settle_error = NULL,
         settle_failed_at = NULL
    FROM resolved
   WHERE r.id = resolved.raw_id
  RETURNING r.id, resolved.status, resolved.original_raw_id;
END
$$;
