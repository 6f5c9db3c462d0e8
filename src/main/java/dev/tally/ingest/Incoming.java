package dev.tally.ingest;

import dev.tally.normalize.FieldError;
import java.util.List;

/**
 * One event handed to the pipeline by an ingest endpoint: the parsed element, what an SDK sent around it
 * ({@code envelopeJson}, null for POST /events) and the reasons it is refused before normalization whatever the
 * mapping says ({@code refusal}, empty when it is to be normalized).
 */
public record Incoming(ParsedBody.Element element, String envelopeJson, List<FieldError> refusal) {

  public Incoming {
    refusal = List.copyOf(refusal);
  }

  static Incoming of(ParsedBody.Element element) {
    return new Incoming(element, null, List.of());
  }
}
