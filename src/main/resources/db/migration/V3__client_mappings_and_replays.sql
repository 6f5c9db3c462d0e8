-- Per-client mappings: immutable versions, numbered from 1 per client (0 means the default rules).
CREATE TABLE client_mappings (
    client_id  text        NOT NULL,
    version    integer     NOT NULL CHECK (version > 0),
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT client_mappings_pkey PRIMARY KEY (client_id, version)
);

-- Replays of stored raw events through the client's current mapping.
CREATE TABLE replays (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id    text        NOT NULL,
    statuses     text[]      NOT NULL,
    from_ts      timestamptz,
    to_ts        timestamptz,
    state        text        NOT NULL DEFAULT 'running',
    -- Raw rows up to this id are in scope: rows that arrive during the replay go through the pipeline anyway.
    max_raw_id   bigint      NOT NULL,
    -- Keyset cursor: every raw row with a smaller or equal id has been replayed.
    cursor_id    bigint      NOT NULL DEFAULT 0,
    total        bigint      NOT NULL,
    processed    bigint      NOT NULL DEFAULT 0,
    accepted     bigint      NOT NULL DEFAULT 0,
    duplicates   bigint      NOT NULL DEFAULT 0,
    rejected     bigint      NOT NULL DEFAULT 0,
    conflicts    bigint      NOT NULL DEFAULT 0,
    error        text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    -- Heartbeat: a running replay whose heartbeat is stale is resumed by another replica (or after a restart).
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CONSTRAINT replays_state_check CHECK (state IN ('running', 'succeeded', 'failed'))
);

-- One running replay per client.
CREATE UNIQUE INDEX replays_one_running_per_client ON replays (client_id) WHERE state = 'running';
