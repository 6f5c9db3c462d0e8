package dev.tally.ingest;

import java.nio.charset.StandardCharsets;

/**
 * A raw row to write before normalization: the element as jsonb text ({@code payloadJson}) when jsonb holds it
 * faithfully, otherwise its exact bytes ({@code rawBody}). {@code status} is pending, or final at once (unparseable,
 * or rejected before normalization) with {@code reasonsJson}. {@code keyId} is the public id of the API key that sent
 * it (null with security disabled). {@code envelopeJson} is what an SDK sent around the event (null for POST /events);
 * {@code refusedAtIngest} marks a rejection no mapping can change (client_mismatch, an SDK call that is not an event),
 * which replays leave alone. Built by the factories, which keep those combinations consistent.
 */
record RawRecord(String clientId, String contentType, String payloadJson, byte[] rawBody, RawStatus status, String reasonsJson,
    String keyId, String envelopeJson, boolean refusedAtIngest) {

  /** Where a raw row comes from: who sent it, how, and what an SDK sent around it. */
  record Origin(String clientId, String contentType, String keyId, String envelopeJson) {}

  /** An element to normalize: stored as it came, pending until settled. */
  static RawRecord pending(Origin origin, ParsedBody.Element element) {
    return content(origin, element, RawStatus.PENDING, null, false);
  }

  /** An element refused before normalization, whatever the mapping: final at once, never normalized by a recovery run or replay. */
  static RawRecord refused(Origin origin, ParsedBody.Element element, String reasonsJson) {
    return content(origin, element, RawStatus.REJECTED, reasonsJson, true);
  }

  /** Bytes that are not an event at all (not JSON): kept exactly as received, final at once. */
  static RawRecord unparseable(Origin origin, byte[] raw, String reasonsJson) {
    return new RawRecord(origin.clientId(), origin.contentType(), null, raw, RawStatus.UNPARSEABLE, reasonsJson, origin.keyId(),
        origin.envelopeJson(), false);
  }

  private static RawRecord content(Origin origin, ParsedBody.Element element, RawStatus status, String reasonsJson, boolean refused) {
    String payload = element.jsonbSafe() ? new String(element.raw(), StandardCharsets.UTF_8) : null;
    byte[] body = element.jsonbSafe() ? null : element.raw();
    return new RawRecord(origin.clientId(), origin.contentType(), payload, body, status, reasonsJson, origin.keyId(),
        origin.envelopeJson(), refused);
  }
}
