package dev.tally.ingest;

import dev.tally.mapping.MappingService;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.FieldError;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ingest pipeline: parse, store raw (committed), normalize, then store canonical events and final
 * statuses. A failure after the raw commit leaves the rows pending for the recovery job; the client gets no
 * 2xx and its retry is deduplicated as usual.
 */
@ApplicationScoped
public class IngestService {

  private static final int MAX_CONTENT_TYPE_LENGTH = 255;

  @Inject BodyParser parser;
  @Inject Normalizer normalizer;
  @Inject EventStore store;
  @Inject Clock clock;
  @Inject MeterRegistry metrics;
  @Inject MappingService mappings;

  public Uni<IngestOutcome> ingest(byte[] body, String contentType) {
    String type = contentType == null ? null : contentType.substring(0, Math.min(contentType.length(), MAX_CONTENT_TYPE_LENGTH));
    ParsedBody parsed = parser.parse(body, type);
    if (parsed instanceof ParsedBody.Unparseable unparseable) {
      RawRecord raw = new RawRecord(null, type, null, body, EventResult.UNPARSEABLE, unparseableReasons(unparseable.message()));
      return store.insertRaw(List.of(raw))
          .map(ids -> EventResult.unparseable(ids.get(0), unparseable.message()))
          .invoke(result -> count(List.of(result)))
          .map(IngestOutcome.Single::new);
    }
    if (parsed instanceof ParsedBody.Single single) {
      return process(List.of(single.element()), type).map(results -> new IngestOutcome.Single(results.get(0)));
    }
    List<ParsedBody.Element> elements = ((ParsedBody.Batch) parsed).elements();
    return process(elements, type).map(results -> {
      List<EventResult> indexed = new ArrayList<>(results.size());
      for (int i = 0; i < results.size(); i++) {
        indexed.add(results.get(i).at(i));
      }
      return new IngestOutcome.Batch(BatchResult.of(indexed));
    });
  }

  private Uni<List<EventResult>> process(List<ParsedBody.Element> elements, String contentType) {
    if (elements.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    List<String> clientIds = new ArrayList<>(elements.size());
    List<RawRecord> records = new ArrayList<>(elements.size());
    for (ParsedBody.Element element : elements) {
      String clientId = element.parsed() ? Normalizer.clientIdOf(element.event()) : null;
      clientIds.add(clientId);
      records.add(toRaw(element, clientId, contentType));
    }
    return store.insertRaw(records).flatMap(rawIds -> normalizeAndSettle(elements, clientIds, rawIds));
  }

  private Uni<List<EventResult>> normalizeAndSettle(List<ParsedBody.Element> elements, List<String> clientIds, List<Long> rawIds) {
    Set<String> clients = new HashSet<>(clientIds);
    clients.remove(null);
    return mappings.mappingsFor(clients).flatMap(byClient -> {
      Instant now = clock.instant();
      List<Settlement> settlements = new ArrayList<>(elements.size());
      for (int i = 0; i < elements.size(); i++) {
        ParsedBody.Element element = elements.get(i);
        if (element.parsed()) {
          Mapping mapping = clientIds.get(i) == null ? Mapping.DEFAULT : byClient.get(clientIds.get(i));
          settlements.add(new Settlement(rawIds.get(i), normalizer.normalize(element.event(), mapping, now)));
        }
      }
      return store.settle(settlements).map(settled -> results(elements, rawIds, settlements, settled));
    }).invoke(this::count);
  }

  private void count(List<EventResult> results) {
    for (EventResult result : results) {
      metrics.counter("tally.ingest.events", "status", result.status()).increment();
    }
  }

  private static List<EventResult> results(
      List<ParsedBody.Element> elements, List<Long> rawIds, List<Settlement> settlements, Map<Long, Settled> settled) {
    List<EventResult> results = new ArrayList<>(elements.size());
    int next = 0;
    for (int i = 0; i < elements.size(); i++) {
      long rawId = rawIds.get(i);
      ParsedBody.Element element = elements.get(i);
      if (!element.parsed()) {
        results.add(EventResult.unparseable(rawId, element.error()));
        continue;
      }
      results.add(result(settlements.get(next++).normalization(), settled.get(rawId)));
    }
    return results;
  }

  static EventResult result(Normalization normalization, Settled settled) {
    long rawId = settled.rawId();
    if (normalization instanceof Normalization.Rejected rejected) {
      return EventResult.rejected(rawId, rejected.errors());
    }
    Normalization.Accepted accepted = (Normalization.Accepted) normalization;
    CanonicalEvent event = accepted.event();
    return switch (settled.status()) {
      case EventResult.ACCEPTED -> EventResult.accepted(rawId, accepted.fingerprint(), event);
      case EventResult.DUPLICATE -> EventResult.duplicate(rawId, accepted.fingerprint(), settled.originalRawId());
      case EventResult.CONFLICT -> EventResult.conflict(rawId, accepted.fingerprint(),
          "eventId " + quote(event.eventId()) + " of client " + event.clientId()
              + " is already stored with different content (rawId " + settled.originalRawId()
              + "); the stored event is unchanged");
      default -> throw new IllegalStateException("raw row " + rawId + " settled as " + settled.status());
    };
  }

  private RawRecord toRaw(ParsedBody.Element element, String clientId, String contentType) {
    if (!element.parsed()) {
      return new RawRecord(null, contentType, null, element.raw(), EventResult.UNPARSEABLE, unparseableReasons(element.error()));
    }
    if (element.jsonbSafe()) {
      return new RawRecord(clientId, contentType, new String(element.raw(), StandardCharsets.UTF_8), null, "pending", null);
    }
    return new RawRecord(clientId, contentType, null, element.raw(), "pending", null);
  }

  private String unparseableReasons(String message) {
    return store.toJson(List.of(new FieldError(null, EventResult.UNPARSEABLE, message)));
  }

  private static String quote(String text) {
    return "\"" + (text.length() > 64 ? text.substring(0, 64) + "…" : text) + "\"";
  }
}
