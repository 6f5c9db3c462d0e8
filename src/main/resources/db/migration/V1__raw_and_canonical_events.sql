-- Every received event, kept before anything else happens to it (write-ahead).
CREATE TABLE raw_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at     timestamptz NOT NULL DEFAULT now(),
    -- The clientId the element names, when it can be read without doubt (null otherwise).
    client_id       text,
    content_type    text,
    -- The element as jsonb, or null when jsonb cannot hold it faithfully (NUL, duplicate keys, not JSON) ...
    payload         jsonb,
    -- ... in which case these are the exact bytes received.
    raw_body        bytea,
    status          text NOT NULL,
    -- Rejection reasons: [{"field", "code", "message"}].
    reasons         jsonb,
    fingerprint     text,
    mapping_version integer,
    processed_at    timestamptz,
    CONSTRAINT raw_events_status_check
        CHECK (status IN ('pending', 'accepted', 'duplicate', 'rejected', 'conflict', 'unparseable')),
    CONSTRAINT raw_events_content_check
        CHECK (payload IS NOT NULL OR raw_body IS NOT NULL)
);

-- The recovery job: pending rows, oldest first. Partial, so it stays as small as the backlog.
CREATE INDEX raw_events_pending_idx ON raw_events (received_at) WHERE status = 'pending';
-- GET /raw-events?clientId=[&status=], newest first (keyset on id).
CREATE INDEX raw_events_client_idx ON raw_events (client_id, id DESC);
CREATE INDEX raw_events_client_status_idx ON raw_events (client_id, status, id DESC);
-- GET /events/{fingerprint}: every raw row that resolved to an event.
CREATE INDEX raw_events_fingerprint_idx ON raw_events (client_id, fingerprint) WHERE fingerprint IS NOT NULL;

-- Canonical events: each distinct event exactly once per client.
CREATE TABLE events (
    client_id       text        NOT NULL,
    fingerprint     text        NOT NULL,
    event_id        text,
    metric          text        NOT NULL,
    amount          numeric     NOT NULL,
    ts              timestamptz NOT NULL,
    -- The first raw row that produced this event.
    raw_id          bigint      NOT NULL REFERENCES raw_events (id),
    mapping_version integer     NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Tenant first: ready for sharding by client (Citus wants the distribution column in every unique key).
    CONSTRAINT events_pkey PRIMARY KEY (client_id, fingerprint)
);
