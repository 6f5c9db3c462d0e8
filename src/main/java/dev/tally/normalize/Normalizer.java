package dev.tally.normalize;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns one parsed element into a canonical event or the full list of reasons it cannot be one. Pure: no
 * I/O, no clock but the one passed in, the same answer for the same input.
 */
public final class Normalizer {

  static final String CLIENT_ID = "clientId";
  static final String METRIC = "metric";
  static final String AMOUNT = "amount";
  static final String TIMESTAMP = "timestamp";
  static final String EVENT_ID = "eventId";

  private final Duration maxFutureSkew;

  public Normalizer(Duration maxFutureSkew) {
    this.maxFutureSkew = Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
  }

  public Normalization normalize(ParsedEvent raw, Mapping mapping, Instant now) {
    JsonNode json = raw.json();
    List<FieldError> errors = new ArrayList<>();
    if (!json.isObject()) {
      errors.add(new FieldError(null, FieldError.NOT_AN_OBJECT,
          "expected a JSON object but got " + (json.isNull() ? "null" : json.getNodeType().name().toLowerCase(Locale.ROOT) + " " + Quote.of(json))));
      return new Normalization.Rejected(errors, mapping.version());
    }
    for (String key : raw.duplicateKeys()) {
      errors.add(new FieldError(key, FieldError.DUPLICATE_KEY,
          "key " + Quote.of(TextNode.valueOf(key)) + " appears more than once; which value is meant is unclear"));
    }
    // The clientId always follows the default rules: it is what chooses the mapping.
    JsonNode clientIdValue = required(json, CLIENT_ID, errors);
    JsonNode metricValue = required(json, METRIC, mapping, errors);
    JsonNode amountValue = required(json, AMOUNT, mapping, errors);
    JsonNode timestampValue = required(json, TIMESTAMP, mapping, errors);
    JsonNode eventIdValue = optional(json, EVENT_ID, mapping, errors);

    String clientId = clientIdValue == null ? null : Identifiers.clientId(CLIENT_ID, clientIdValue, errors);
    String metric = metricValue == null ? null : Identifiers.metric(METRIC, metricValue, mapping.metricFormat(), errors);
    BigDecimal amount = amountValue == null ? null : Amounts.parse(AMOUNT, amountValue, mapping.amountScale(), errors);
    Instant timestamp = timestampValue == null ? null : Timestamps.parse(TIMESTAMP, timestampValue, mapping, now, maxFutureSkew, errors);
    String eventId = eventIdValue == null ? null : Identifiers.eventId(EVENT_ID, eventIdValue, errors);

    if (!errors.isEmpty()) {
      return new Normalization.Rejected(errors, mapping.version());
    }
    CanonicalEvent event = new CanonicalEvent(clientId, metric, amount, timestamp, eventId);
    return new Normalization.Accepted(event, Fingerprint.of(event), mapping.version());
  }

  /**
   * The clientId an element names, when it can be read without doubt; null otherwise. Raw rows are filed
   * under it before normalization, so that rejected events can be listed per client.
   */
  public static String clientIdOf(ParsedEvent raw) {
    for (String key : raw.duplicateKeys()) {
      if (FieldLookup.means(key, CLIENT_ID)) {
        return null; // the tree holds only the last of the repeated values
      }
    }
    return clientIdOf(raw.json());
  }

  /**
   * The event with {@code clientId} added when it names none at all, as when the sender's API key is bound to
   * that client; otherwise the event unchanged. Only the parsed tree changes: the raw row keeps what was sent.
   */
  public static ParsedEvent withDefaultClientId(ParsedEvent raw, String clientId) {
    if (clientId == null || !raw.json().isObject() || !(FieldLookup.find(raw.json(), CLIENT_ID) instanceof FieldLookup.Missing)) {
      return raw;
    }
    ObjectNode copy = ((ObjectNode) raw.json()).deepCopy();
    copy.put(CLIENT_ID, clientId);
    return new ParsedEvent(copy, raw.duplicateKeys());
  }

  /** Whether a text is a valid clientId (1-128 of A-Z a-z 0-9 . _ : -): the one rule for paths, keys and events. */
  public static boolean isClientId(String text) {
    return text != null && Identifiers.clientIdOrNull(TextNode.valueOf(text)) != null;
  }

  private static String clientIdOf(JsonNode json) {
    if (!json.isObject()) {
      return null;
    }
    FieldLookup.Result found = FieldLookup.find(json, CLIENT_ID);
    return found instanceof FieldLookup.Found f ? Identifiers.clientIdOrNull(f.value()) : null;
  }

  private static JsonNode required(JsonNode json, String field, Mapping mapping, List<FieldError> errors) {
    JsonPointer pointer = mapping.pointer(field);
    if (pointer == null) {
      return required(json, field, errors);
    }
    JsonNode value = json.at(pointer);
    if (value.isMissingNode()) {
      errors.add(new FieldError(field, FieldError.MISSING_FIELD, field + " is required but nothing is at " + pointer
          + ", where mapping version " + mapping.version() + " reads it from; it is never filled with a default"));
      return null;
    }
    return value;
  }

  private static JsonNode optional(JsonNode json, String field, Mapping mapping, List<FieldError> errors) {
    JsonPointer pointer = mapping.pointer(field);
    if (pointer == null) {
      return optional(json, field, errors);
    }
    JsonNode value = json.at(pointer);
    return value.isMissingNode() || value.isNull() ? null : value;
  }

  private static JsonNode required(JsonNode json, String field, List<FieldError> errors) {
    FieldLookup.Result result = FieldLookup.find(json, field);
    if (result instanceof FieldLookup.Missing) {
      errors.add(new FieldError(field, FieldError.MISSING_FIELD, field + " is required but missing; it is never filled with a default"));
      return null;
    }
    return present(field, result, errors);
  }

  private static JsonNode optional(JsonNode json, String field, List<FieldError> errors) {
    FieldLookup.Result result = FieldLookup.find(json, field);
    if (result instanceof FieldLookup.Missing) {
      return null;
    }
    JsonNode value = present(field, result, errors);
    // An explicit null for an optional field means "none", as analytics SDKs send it.
    return value == null || value.isNull() ? null : value;
  }

  private static JsonNode present(String field, FieldLookup.Result result, List<FieldError> errors) {
    if (result instanceof FieldLookup.Ambiguous ambiguous) {
      // The contract wants the offending values quoted, not only the keys: show the conflicting entries.
      ObjectNode entries = JsonNodeFactory.instance.objectNode();
      for (int i = 0; i < ambiguous.keys().size(); i++) {
        entries.set(ambiguous.keys().get(i), ambiguous.values().get(i));
      }
      errors.add(new FieldError(field, FieldError.AMBIGUOUS_FIELD,
          "keys " + Quote.of(entries) + " all mean " + field + " but carry different values"));
      return null;
    }
    return ((FieldLookup.Found) result).value();
  }
}
