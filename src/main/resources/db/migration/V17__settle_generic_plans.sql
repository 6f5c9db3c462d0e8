-- tally_settle (V7) planned its three statements afresh on every call (plan_cache_mode = force_custom_plan): a
-- profile of PostgreSQL under single-event load put a fifth of its CPU time in that planning. The custom plans were
-- there because a cached generic plan, blind to how many rows the arrays hold and made while the tables were nearly
-- empty, joined by hash over whole-table scans of events and raw_events.
--
-- Every statement of the function finds its rows by key: the raw rows by id, the events by (client_id, fingerprint).
-- The only right plan for them, whatever the tables hold and however many entries a call brings (1 to a batch of
-- thousands), is an index lookup per entry. So the plan is pinned to that shape instead of re-derived per call: no
-- hash or merge joins, no sequential scans (where an index can serve), and the generic plan made once per
-- connection reused from the first call on. Measured on a group of 8 requests (pgbench, raw insert + settle, the
-- same statements): 297 -> 223 µs of PostgreSQL CPU per event.
--
-- Function-level settings apply to this function's statements only, for the duration of each call, in requests,
-- recovery runs and replays alike. The function's body and signature are unchanged (the previous release runs
-- against this schema as it did).
ALTER FUNCTION tally_settle(bigint[], text[], text[], text[], text[], text[], text[], text[], integer[])
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION tally_settle(bigint[], text[], text[], text[], text[], text[], text[], text[], integer[])
  SET enable_hashjoin = off;
ALTER FUNCTION tally_settle(bigint[], text[], text[], text[], text[], text[], text[], text[], integer[])
  SET enable_mergejoin = off;
ALTER FUNCTION tally_settle(bigint[], text[], text[], text[], text[], text[], text[], text[], integer[])
  SET enable_seqscan = off;
