-- Events sent by analytics SDKs (Segment, RudderStack, PostHog) arrive inside an envelope. Each event is its
-- own raw row as before; this is what came around it: which SDK protocol and endpoint, and the envelope's own
-- members (sentAt, context, ...) without the events and without the write key. NULL for POST /events.
ALTER TABLE raw_events ADD COLUMN envelope jsonb;

-- Rows refused at ingest for a reason no mapping can change: an event naming another client than its ingest
-- key's (client_mismatch), an SDK call that is not an event (identify, page, ...). A replay re-normalizes
-- rejected rows with the current mapping; it must leave these alone, or a replay could accept an event the key
-- was never allowed to send. The recovery job never sees them: they are final when stored.
ALTER TABLE raw_events ADD COLUMN refused_at_ingest boolean NOT NULL DEFAULT false;
UPDATE raw_events SET refused_at_ingest = true WHERE reasons @> '[{"code": "client_mismatch"}]';
