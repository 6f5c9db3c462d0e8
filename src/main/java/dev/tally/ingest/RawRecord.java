package dev.tally.ingest;

/**
 * A raw row to write before normalization: the element as jsonb text ({@code payloadJson}) when jsonb holds it
 * faithfully, otherwise its exact bytes ({@code rawBody}). {@code status} is {@code pending}, or
 * {@code unparseable} with {@code reasonsJson} when there is nothing to normalize.
 */
record RawRecord(String clientId, String contentType, String payloadJson, byte[] rawBody, String status, String reasonsJson) {}
