package dev.tally.ingest;

import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Quote;
import java.time.Instant;

/**
 * One element on its way through the write path, carrying what has been decided about it so far: what it is
 * ({@code prepared}) and the raw row to write, then its raw id (0 until stored), its normalization (null when it has
 * none: final when stored, or not normalized yet) and its result (null until known). Each step returns a new entry.
 */
record Entry(Prepared prepared, RawRecord raw, long rawId, Normalization normalization, EventResult result) {

  static Entry of(Prepared prepared, RawRecord raw) {
    return new Entry(prepared, raw, 0, null, null);
  }

  /** Its raw row is committed: an element that was final when stored has its result now. */
  Entry stored(long id) {
    if (prepared.toNormalize()) {
      return new Entry(prepared, raw, id, null, null);
    }
    EventResult known = prepared.event() == null
        ? EventResult.unparseable(id, prepared.element().error())
        : EventResult.rejected(id, prepared.refused().errors());
    return new Entry(prepared, raw, id, null, known);
  }

  boolean toSettle() {
    return prepared.toNormalize();
  }

  /** What the normalizer is asked, with the client the event names (which chooses the mapping, as a recovery run reads it). */
  MappedNormalizer.Job job(Instant now) {
    return new MappedNormalizer.Job(prepared.event(), prepared.named(), now);
  }

  Entry normalized(Normalization n) {
    return new Entry(prepared, raw, rawId, n, null);
  }

  Settlement settlement() {
    return new Settlement(rawId, raw.clientId(), normalization);
  }

  Entry settled(Settled settled) {
    return new Entry(prepared, raw, rawId, normalization, result(normalization, settled));
  }

  static EventResult result(Normalization normalization, Settled settled) {
    long rawId = settled.rawId();
    if (normalization instanceof Normalization.Rejected rejected) {
      return EventResult.rejected(rawId, rejected.errors());
    }
    Normalization.Accepted accepted = (Normalization.Accepted) normalization;
    CanonicalEvent event = accepted.event();
    return switch (settled.status()) {
      case ACCEPTED -> EventResult.accepted(rawId, accepted.fingerprint(), event);
      case DUPLICATE -> EventResult.duplicate(rawId, accepted.fingerprint(), settled.originalRawId());
      case CONFLICT -> EventResult.conflict(rawId, accepted.fingerprint(),
          "eventId " + Quote.quoted(event.eventId()) + " of client " + event.clientId()
              + " is already stored with different content (rawId " + settled.originalRawId()
              + "); the stored event is unchanged");
      default -> throw new IllegalStateException("raw row " + rawId + " settled as " + settled.status().sql());
    };
  }
}
