-- One client's hours over a range (GET /aggregates?clientId=...&granularity=hour&from=...&to=..., the dashboards'
-- commonest question) read the range through aggregate_hours_client_bucket_idx and then fetched every row from the
-- heap: rows of one client are spread over as many pages as rows (the refresh writes all clients' hours together),
-- about 390 pages for one client's week of 4 metrics. The same index with the figures included answers it from the
-- index alone (an index-only scan: 12 pages for that week, no heap fetch once the history pages are all-visible,
-- which they are after autovacuum: the refresh rewrites only recent hours).
--
-- Expand/contract: the old index is dropped in the same release; older code issues the same query and uses the new
-- index. The build takes a write lock on aggregate_hours for its duration (seconds at 10M events: the table holds one
-- row per client, metric and hour); the migration Job runs it before the new pods start.
CREATE INDEX aggregate_hours_client_bucket_covering ON aggregate_hours (client_id, bucket)
    INCLUDE (metric, event_count, amount_sum, amount_min, amount_max);
DROP INDEX aggregate_hours_client_bucket_idx;
