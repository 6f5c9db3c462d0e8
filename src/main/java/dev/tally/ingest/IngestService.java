package dev.tally.ingest;

import dev.tally.normalize.FieldError;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import dev.tally.normalize.ParsedEvent;
import dev.tally.normalize.Quote;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ingest pipeline: parse, store raw (committed), normalize, then store canonical events and final
 * statuses — the writing shared with concurrent requests ({@link GroupCommit}). A failure after the raw commit leaves
 * the rows pending for the recovery job; the client gets no 2xx and its retry is deduplicated as usual.
 */
@ApplicationScoped
public class IngestService {

  private static final int MAX_CONTENT_TYPE_LENGTH = 255;

  /** One counter per outcome, looked up once rather than in the registry for every event. */
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejections = new ConcurrentHashMap<>();

  @Inject BodyParser parser;
  @Inject EventStore store;
  @Inject GroupCommit groupCommit;
  @Inject MeterRegistry metrics;

  /**
   * @param keyId the public id of the sender's API key, recorded on every raw row (null with security disabled)
   * @param boundClientId the client an ingest key is bound to: events without a clientId take it, events naming
   *     another client are rejected with client_mismatch (kept raw); null when the sender may write for any client
   */
  public Uni<IngestOutcome> ingest(byte[] body, String contentType, String keyId, String boundClientId) {
    String type = bounded(contentType);
    ParsedBody parsed = parser.parse(body, type);
    Sender sender = new Sender(keyId, boundClientId);
    if (parsed instanceof ParsedBody.Unparseable unparseable) {
      return unparseable(body, type, unparseable.message(), null, sender).map(IngestOutcome.Single::new);
    }
    if (parsed instanceof ParsedBody.Single single) {
      return process(List.of(Incoming.of(single.element())), type, sender).map(results -> new IngestOutcome.Single(results.get(0)));
    }
    List<Incoming> elements = ((ParsedBody.Batch) parsed).elements().stream().map(Incoming::of).toList();
    return process(elements, type, sender).map(results -> new IngestOutcome.Batch(indexed(results)));
  }

  /**
   * Events an SDK endpoint unpacked from its envelope: one raw row each (with the envelope recorded), through
   * the same pipeline as a batch sent to POST /events, answered as a batch.
   */
  public Uni<BatchResult> ingestAll(List<Incoming> incoming, String contentType, String keyId, String boundClientId) {
    return process(incoming, bounded(contentType), new Sender(keyId, boundClientId)).map(IngestService::indexed);
  }

  private static BatchResult indexed(List<EventResult> results) {
    List<EventResult> indexed = new ArrayList<>(results.size());
    for (int i = 0; i < results.size(); i++) {
      indexed.add(results.get(i).at(i));
    }
    return BatchResult.of(indexed);
  }

  private record Sender(String keyId, String boundClientId) {}

  /**
   * A whole request body that holds no event to unpack (not JSON, not decodable, an SDK envelope without its
   * batch): kept raw as received, with the SDK envelope's description when there is one, and answered unparseable.
   */
  public Uni<EventResult> unparseable(byte[] body, String contentType, String message, String envelopeJson, String keyId,
      String boundClientId) {
    return unparseable(body, bounded(contentType), message, envelopeJson, new Sender(keyId, boundClientId));
  }

  private static String bounded(String contentType) {
    return contentType == null ? null : contentType.substring(0, Math.min(contentType.length(), MAX_CONTENT_TYPE_LENGTH));
  }

  private Uni<EventResult> unparseable(byte[] body, String type, String message, String envelopeJson, Sender sender) {
    Incoming whole = new Incoming(ParsedBody.Element.unparseable(message, body), envelopeJson, List.of());
    return process(List.of(whole), type, sender).map(results -> results.get(0));
  }

  private Uni<List<EventResult>> process(List<Incoming> elements, String contentType, Sender sender) {
    if (elements.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    List<Entry> entries = new ArrayList<>(elements.size());
    for (Incoming element : elements) {
      Prepared p = prepare(element, sender.boundClientId());
      entries.add(Entry.of(p, toRaw(p, contentType, sender.keyId())));
    }
    return groupCommit.write(entries).map(written -> {
      List<EventResult> results = new ArrayList<>(written.size());
      for (Entry e : written) {
        results.add(e.result());
      }
      count(results);
      return results;
    });
  }

  private static Prepared prepare(Incoming incoming, String bound) {
    ParsedBody.Element element = incoming.element();
    if (!element.parsed()) {
      return new Prepared(incoming, null, bound, null, null);
    }
    List<FieldError> refusal = new ArrayList<>(incoming.refusal());
    ParsedEvent event = element.event();
    if (bound != null) {
      event = Normalizer.withDefaultClientId(event, bound);
    }
    String named = Normalizer.clientIdOf(event);
    String clientId = bound == null ? named : bound;
    if (bound != null && event.json().isObject() && !bound.equals(named)) {
      // Filed under the key's client, not the one it names: a key must not plant rows in another client's listing.
      refusal.add(0, new FieldError("clientId", FieldError.CLIENT_MISMATCH, "the event names client "
          + (named == null ? "(none that can be read)" : Quote.quoted(named)) + " but the API key is bound to client "
          + Quote.quoted(bound) + "; it is kept raw and not counted"));
    }
    return new Prepared(incoming, event, clientId, named, refusal.isEmpty() ? null : new Normalization.Rejected(refusal, 0));
  }

  private void count(List<EventResult> results) {
    for (EventResult result : results) {
      counters.computeIfAbsent(result.status(), status -> Counter.builder("tally.ingest.events")
          .description("Events answered, by outcome: accepted, duplicate, rejected, conflict, unparseable")
          .tag("status", status)
          .register(metrics)).increment();
      if (result.errors() != null) {
        for (FieldError error : result.errors()) {
          rejections.computeIfAbsent(error.code(), code -> Counter.builder("tally.ingest.rejections")
              .description("Reasons given for rejected events, by code (an event rejected for two reasons counts under both)")
              .tag("code", code)
              .register(metrics)).increment();
        }
      }
    }
  }

  private RawRecord toRaw(Prepared p, String contentType, String keyId) {
    ParsedBody.Element element = p.element();
    RawRecord.Origin origin = new RawRecord.Origin(p.clientId(), contentType, keyId, p.incoming().envelopeJson());
    if (!element.parsed()) {
      return RawRecord.unparseable(origin, element.raw(), unparseableReasons(element.error()));
    }
    // A refused element is final at once: a recovery run, which knows no key, must never normalize it, nor a replay.
    if (p.refused() != null) {
      return RawRecord.refused(origin, element, store.toJson(p.refused().errors()));
    }
    return RawRecord.pending(origin, element);
  }

  private String unparseableReasons(String message) {
    return store.toJson(List.of(new FieldError(null, EventResult.UNPARSEABLE, message)));
  }
}
