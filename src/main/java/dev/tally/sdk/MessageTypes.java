package dev.tally.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.normalize.FieldError;
import dev.tally.normalize.Quote;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which SDK messages are events to count. Only a Segment/RudderStack {@code track}, a PostHog capture of a
 * named event and a Snowplow self-describing or structured event carry a metric; identify, page, screen, group, alias and PostHog's own {@code $}-prefixed events
 * ($identify, $create_alias, $groupidentify, $pageview, $feature_flag_called, ...) describe users, not
 * measurements. They are stored raw and refused at ingest with {@link #UNSUPPORTED_MESSAGE_TYPE}: no mapping
 * makes them countable, so replays leave them alone. Pure.
 */
public final class MessageTypes {

  public static final String UNSUPPORTED_MESSAGE_TYPE = "unsupported_message_type";

  /** What the Snowplow event types that are not counted are, for the refusal's message. */
  private static final Map<String, String> SNOWPLOW_TYPES = Map.of(
      "pv", "a page view", "pp", "a page ping", "tr", "a legacy transaction", "ti", "a legacy transaction item");

  private MessageTypes() {}

  /**
   * The reasons a message is not an event to count (empty when it is one). {@code impliedType} is what a
   * single-call route says (/v1/identify: identify), null for batch routes. Non-objects are left to
   * normalization, which rejects them as not_an_object.
   */
  public static List<FieldError> refusal(Protocol protocol, JsonNode message, String impliedType) {
    if (!message.isObject()) {
      return List.of();
    }
    return switch (protocol) {
      case POSTHOG -> posthog(message);
      case SEGMENT -> segment(message, impliedType);
      case SNOWPLOW -> snowplow(message);
    };
  }

  /** Snowplow: self-describing events (e=ue) and structured events (e=se) carry measurements; page views, pings and the rest do not. */
  private static List<FieldError> snowplow(JsonNode message) {
    JsonNode e = message.get("e");
    if (e == null || !e.isTextual()) {
      return refuse("a Snowplow event names its type in e (ue, se, pv, ...), but this one " + (e == null ? "has none" : "has " + Quote.of(e)));
    }
    String type = e.asText();
    if (type.equals("ue") || type.equals("se")) {
      return List.of();
    }
    return refuse("a Snowplow " + Quote.quoted(type) + " event (" + SNOWPLOW_TYPES.getOrDefault(type, "not a measurement")
        + ") is not counted: only self-describing (ue) and structured (se) events are; it is kept raw");
  }

  private static List<FieldError> segment(JsonNode message, String impliedType) {
    JsonNode typeNode = message.get("type");
    if (typeNode != null && !typeNode.isTextual()) {
      return refuse("the message's type must be a string such as \"track\", but it is " + Quote.of(typeNode));
    }
    String type = typeNode == null ? impliedType : typeNode.asText().strip().toLowerCase(Locale.ROOT);
    if (type == null) {
      return refuse("the message has no type; only \"track\" messages are counted");
    }
    if (impliedType != null && !impliedType.equals(type)) {
      return refuse("the message says type " + Quote.quoted(typeNode.asText()) + " but was sent to the " + impliedType
          + " endpoint; which one was meant cannot be told");
    }
    if (!type.equals("track")) {
      return refuse(Quote.quoted(type) + " messages describe users, pages and groups, not measurements: only \"track\" messages"
          + " are counted; this one is kept raw");
    }
    return List.of();
  }

  private static List<FieldError> posthog(JsonNode message) {
    JsonNode type = message.get("type");
    if (type != null && !(type.isTextual() && type.asText().equals("capture"))) {
      return refuse("a PostHog " + Quote.of(type) + " call is not a captured event; only captures are counted;"
          + " it is kept raw");
    }
    JsonNode event = message.get("event");
    if (event != null && event.isTextual() && event.asText().startsWith("$")) {
      return refuse("PostHog's own event " + Quote.quoted(event.asText()) + " describes a person, group or session, not a"
          + " measurement: events whose name starts with \"$\" are not counted; it is kept raw");
    }
    return List.of();
  }

  private static List<FieldError> refuse(String message) {
    return List.of(new FieldError("type", UNSUPPORTED_MESSAGE_TYPE, message));
  }
}
