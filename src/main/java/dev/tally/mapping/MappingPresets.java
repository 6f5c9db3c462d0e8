package dev.tally.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.normalize.FieldError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Mapping presets for analytics SDK wire formats. A definition naming {@code "preset"} is expanded into an
 * ordinary one before validation: the preset is the base, the definition's own parts are applied over it as
 * a JSON Merge Patch (RFC 7396: {@code fields} per field, a {@code null} removes a part). What is stored is
 * the expansion, so a preset leaves no trace once saved. Pure.
 *
 * <p>The field names are those the SDKs' Node libraries put on every message (versions pinned in src/test/sdk):
 * analytics-node sets {@code messageId} and {@code timestamp} in analytics-core's CoreEventFactory.normalize;
 * rudder-sdk-node sets {@code messageId} and {@code originalTimestamp} in enqueue, and {@code timestamp} only when
 * the caller passed one; posthog-node sets {@code uuid} and {@code timestamp} in PostHogCoreStateless.prepareMessage.
 * Snowplow's tracker-core sets {@code eid} (a UUID v4) and {@code dtm} (epoch milliseconds) on every event.
 */
public final class MappingPresets {

  static final String PRESET = "preset";
  static final String UNKNOWN_PRESET = "unknown_preset";
  static final String PRESET_REQUIRES_AMOUNT = "preset_requires_amount";
  static final String AMOUNT_EXAMPLE = "/properties/revenue";

  /** A definition with its preset expanded (or unchanged without one), and the problems of the preset part. */
  public record Expansion(JsonNode definition, List<FieldError> errors) {}

  private static final Map<String, MappingPreset> PRESETS = new TreeMap<>(Map.of(
      "segment", preset("segment",
          "Segment messages (analytics-node, POST /v1/batch): metric from event (snake_cased: \"Order Completed\" is order_completed), eventId from messageId, "
              + "timestamp from timestamp, an ISO-8601 instant the SDK sets on every message",
          "/messageId", "/timestamp"),
      "rudderstack", preset("rudderstack",
          "RudderStack messages (rudder-sdk-node, POST /v1/batch): metric from event (snake_cased: \"Order Completed\" is order_completed), eventId from messageId, "
              + "timestamp from originalTimestamp, which the SDK sets on every message (it sends timestamp only "
              + "when the caller passes one)",
          "/messageId", "/originalTimestamp"),
      "posthog", preset("posthog",
          "PostHog events (posthog-node, POST /batch/): metric from event (snake_cased: \"Order Completed\" is order_completed), eventId from uuid (a UUIDv7 the SDK "
              + "sets on every event), timestamp from timestamp, an ISO-8601 instant",
          "/uuid", "/timestamp"),
      "snowplow", new MappingPreset("snowplow",
          "Snowplow self-describing events (browser tracker, POST /com.snowplowanalytics.snowplow/tp2): metric from the event's "
              + "schema name (iglu:com.acme/checkout_completed/jsonschema/1-0-0 is checkout_completed; Tally stores the decoded "
              + "ue_px as self_describing), fields by JSON Pointer into its data (/self_describing/data/...), eventId from eid, "
              + "timestamp from dtm (epoch milliseconds the tracker sets on every event)",
          new MappingDefinition(new TreeMap<>(Map.of("metric", "/self_describing/name", "eventId", "/eid", "timestamp", "/dtm")),
              MappingValidator.EPOCH_MILLIS, null, null, MappingValidator.SNAKE_CASE),
          "fields.amount is required: name the member of the event's data that carries it, e.g. "
              + "{\"preset\": \"snowplow\", \"fields\": {\"amount\": \"/self_describing/data/total\"}}")));

  private MappingPresets() {}

  /** Every preset, by name. */
  public static List<MappingPreset> all() {
    return List.copyOf(PRESETS.values());
  }

  public static List<String> names() {
    return List.copyOf(PRESETS.keySet());
  }

  public static Optional<MappingPreset> named(String name) {
    return Optional.ofNullable(PRESETS.get(name));
  }

  /**
   * The definition with its preset expanded. Without a {@code preset} (or with {@code null}) the body comes back
   * as it is. An unknown preset is an error, and the rest of the body is still returned for validation, so that
   * every problem is reported at once.
   */
  public static Expansion expand(JsonNode body) {
    if (body == null || !body.isObject() || !body.has(PRESET)) {
      return new Expansion(body, List.of());
    }
    ObjectNode own = ((ObjectNode) body).deepCopy();
    JsonNode name = own.remove(PRESET);
    if (name.isNull()) {
      return new Expansion(own, List.of());
    }
    MappingPreset preset = name.isTextual() ? PRESETS.get(name.textValue()) : null;
    if (preset == null) {
      return new Expansion(own, List.of(new FieldError(PRESET, UNKNOWN_PRESET,
          MappingValidator.quote(name.toString()) + " is not a preset; known presets: " + String.join(", ", PRESETS.keySet()))));
    }
    ObjectNode expanded = merge(toJson(preset.definition()), own);
    List<FieldError> errors = new ArrayList<>();
    if (!(expanded.get("fields") instanceof ObjectNode fields) || !fields.hasNonNull("amount")) {
      errors.add(new FieldError("fields.amount", PRESET_REQUIRES_AMOUNT, "the " + preset.name()
          + " preset needs fields.amount: SDK messages have no amount field, so name the property that carries it, e.g. "
          + example(preset.name())));
    }
    return new Expansion(expanded, errors);
  }

  /** RFC 7396 over the preset's base, one level into {@code fields}; parts that are not objects replace the base's. */
  private static ObjectNode merge(ObjectNode base, ObjectNode patch) {
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> part = it.next();
      JsonNode value = part.getValue();
      if (value.isNull()) {
        base.remove(part.getKey());
      } else if (value.isObject() && base.get(part.getKey()) instanceof ObjectNode inBase) {
        merge(inBase, (ObjectNode) value);
      } else {
        base.set(part.getKey(), value.deepCopy());
      }
    }
    return base;
  }

  private static ObjectNode toJson(MappingDefinition definition) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    ObjectNode fields = node.putObject("fields");
    definition.fields().forEach(fields::put);
    node.put("timestampFormat", definition.timestampFormat());
    node.put("metricFormat", definition.metricFormat());
    return node;
  }

  private static MappingPreset preset(String name, String description, String eventId, String timestamp) {
    TreeMap<String, String> fields = new TreeMap<>(Map.of("metric", "/event", "eventId", eventId, "timestamp", timestamp));
    return new MappingPreset(name, description, new MappingDefinition(fields, MappingValidator.ISO8601, null, null,
        MappingValidator.SNAKE_CASE),
        "fields.amount is required: SDK messages have no amount field, so name the property that carries it, e.g. "
            + example(name));
  }

  private static String example(String name) {
    String amount = name.equals("snowplow") ? "/self_describing/data/total" : AMOUNT_EXAMPLE;
    return "{\"preset\": \"" + name + "\", \"fields\": {\"amount\": \"" + amount + "\"}}";
  }
}
