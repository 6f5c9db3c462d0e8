package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One received element as parsed, before normalization: its JSON (numbers kept as exact decimals) and the
 * top-level keys that appeared more than once in its text, which a JSON tree alone cannot show.
 */
public record ParsedEvent(JsonNode json, List<String> duplicateKeys) {

  public ParsedEvent {
    duplicateKeys = List.copyOf(duplicateKeys);
  }

  public static ParsedEvent of(JsonNode json) {
    return new ParsedEvent(json, List.of());
  }
}
