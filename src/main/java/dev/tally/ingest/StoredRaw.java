package dev.tally.ingest;

import java.time.Instant;

/**
 * A raw row read back to be normalized again (recovery of pending rows, replays): its exact content, its
 * status, the fingerprint it resolved to (null if none) and the client it is filed under (for rows sent with
 * an ingest key: the key's client, which the content may leave out).
 */
public record StoredRaw(long id, Instant receivedAt, String status, String fingerprint, byte[] content, String clientId) {

  /** Whether this row already stands for a counted event. */
  public boolean counted() {
    return RawStatus.of(status).counted();
  }
}
