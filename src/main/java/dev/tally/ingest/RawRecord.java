package dev.tally.ingest;

/**
 * A raw row to write before normalization: the element as jsonb text ({@code payloadJson}) when jsonb holds it
 * faithfully, otherwise its exact bytes ({@code rawBody}). {@code status} is {@code pending}, or
 * {@code unparseable} / {@code rejected} with {@code reasonsJson} when there is nothing to normalize.
 * {@code keyId} is the public id of the API key that sent it (null with security disabled). {@code envelopeJson}
 * is what an SDK sent around the event (null for POST /events); {@code refusedAtIngest} marks a rejection no
 * mapping can change (client_mismatch, an SDK call that is not an event), which replays leave alone.
 */
record RawRecord(String clientId, String contentType, String payloadJson, byte[] rawBody, String status, String reasonsJson,
    String keyId, String envelopeJson, boolean refusedAtIngest) {}
