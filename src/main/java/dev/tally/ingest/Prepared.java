package dev.tally.ingest;

import dev.tally.normalize.Normalization;
import dev.tally.normalize.ParsedEvent;

/**
 * One element as the ingest endpoints hand it to the write path, decided before anything is stored: the event as
 * normalization sees it (with the key's clientId filled in; null when the element is not JSON), the clientId its raw
 * row is filed under, the one the event names (which chooses the mapping), and a rejection decided before
 * normalization (client_mismatch, an SDK call that is not an event), which no mapping can change.
 */
record Prepared(Incoming incoming, ParsedEvent event, String clientId, String named, Normalization.Rejected refused) {

  ParsedBody.Element element() {
    return incoming.element();
  }

  /** Whether its raw row is pending until normalized and settled (otherwise it is final when stored). */
  boolean toNormalize() {
    return event != null && refused == null;
  }
}
