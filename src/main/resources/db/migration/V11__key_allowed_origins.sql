-- The web origins a browser may send with an ingest key (scheme://host[:port], or https://*.example.com for every
-- subdomain), checked against a request's Origin header before anything is stored. NULL: every origin (the key
-- is not restricted); an empty array: no browser origin at all (a server-side key). Only ingest keys carry one.
ALTER TABLE api_keys ADD COLUMN allowed_origins text[];
ALTER TABLE api_keys ADD CONSTRAINT api_keys_allowed_origins_check CHECK (allowed_origins IS NULL OR role = 'ingest');
