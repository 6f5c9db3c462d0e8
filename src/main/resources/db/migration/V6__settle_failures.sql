-- A raw row that could not be settled (its normalization threw, or the database refused one of its statements)
-- is marked instead of failing the recovery run or replay that took it, and the rest of the chunk goes on.
-- settle_error: the last failure, for operators (GET /raw-events); cleared when the row settles.
-- settle_attempts: how many settle attempts have failed so far.
-- settle_failed_at: when the last one failed; the recovery job takes the row again only once
-- tally.recovery.failed-row-retry-interval has passed since, so it never fails on the same row every run.
ALTER TABLE raw_events ADD COLUMN settle_error text;
ALTER TABLE raw_events ADD COLUMN settle_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE raw_events ADD COLUMN settle_failed_at timestamptz;

-- Rows a replay could not settle, alongside processed, accepted, duplicates, rejected and conflicts.
ALTER TABLE replays ADD COLUMN failed bigint NOT NULL DEFAULT 0;
