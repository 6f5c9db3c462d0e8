-- API keys. The secret is shown once at creation and never stored: only its SHA-256 hash is.
CREATE TABLE api_keys (
    -- Short public id, safe to log and show (GET /keys, raw_events.key_id).
    id                  text        PRIMARY KEY,
    secret_hash         bytea       NOT NULL UNIQUE,
    role                text        NOT NULL,
    -- ingest: exactly one client; read: the clients it may read, or NULL for all; admin: NULL.
    client_ids          text[],
    description         text,
    -- Per-key rate limit overrides (NULL: tally.security.rate-limit.*).
    requests_per_second integer     CHECK (requests_per_second > 0),
    burst               integer     CHECK (burst > 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    revoked_at          timestamptz,
    CONSTRAINT api_keys_role_check CHECK (role IN ('ingest', 'read', 'admin')),
    CONSTRAINT api_keys_scope_check CHECK (
        (role = 'ingest' AND cardinality(client_ids) = 1)
     OR (role = 'read' AND (client_ids IS NULL OR cardinality(client_ids) >= 1))
     OR (role = 'admin' AND client_ids IS NULL))
);

-- The key that sent each raw row (NULL for rows stored before keys existed or with security disabled).
-- No foreign key: the audit trail outlives a key's row should keys ever be purged.
ALTER TABLE raw_events ADD COLUMN key_id text;
