package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.ingest.ParsedBody;
import dev.tally.normalize.ParsedEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Snowplow self-describing event ({@code e=ue}) carries its event as JSON inside a string: {@code ue_pr}, or
 * base64url in {@code ue_px} (the browser tracker's default). Mappings read fields by JSON Pointer, which cannot look
 * into a string, so the event is stored with that JSON decoded next to what was sent, as
 * {@value #SELF_DESCRIBING}: {@code {"schema": "iglu:com.acme/checkout/jsonschema/1-0-0", "vendor": "com.acme",
 * "name": "checkout", "format": "jsonschema", "version": "1-0-0", "data": {...}}} — the snowplow preset counts
 * {@code /self_describing/name} with fields from {@code /self_describing/data}. Every member as sent stays. An
 * encoding that does not decode leaves the event as sent: its mapping then finds no name and says so. Pure.
 */
final class SnowplowEvents {

  static final String SELF_DESCRIBING = "self_describing";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
  private static final Pattern SCHEMA = Pattern.compile("iglu:([^/]+)/([^/]+)/([^/]+)/([0-9]+-[0-9]+-[0-9]+)");
  // What jsonb cannot hold faithfully (a NUL, a lone surrogate): such an event is kept as sent.
  private static final Pattern NOT_JSONB = Pattern.compile("(?i)\\\\u0000|\\\\ud[89a-f][0-9a-f]{2}");

  private SnowplowEvents() {}

  static ParsedBody.Element decoded(ParsedBody.Element element) {
    if (!element.parsed() || !element.jsonbSafe() || !(element.event().json() instanceof ObjectNode event)
        || event.has(SELF_DESCRIBING)) {
      return element;
    }
    JsonNode selfDescribing = selfDescribing(event);
    if (selfDescribing == null) {
      return element;
    }
    ObjectNode copy = event.deepCopy();
    copy.set(SELF_DESCRIBING, selfDescribing);
    byte[] raw;
    try {
      raw = JSON.writeValueAsBytes(copy);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
    return new ParsedBody.Element(new ParsedEvent(copy, element.event().duplicateKeys()), null, raw, true);
  }

  /** The decoded event with its schema's parts, or null when there is none or it does not decode. */
  private static JsonNode selfDescribing(ObjectNode event) {
    String text;
    JsonNode pr = event.get("ue_pr");
    JsonNode px = event.get("ue_px");
    try {
      if (pr != null && pr.isTextual()) {
        text = pr.textValue();
      } else if (px != null && px.isTextual()) {
        String base64 = px.textValue().strip();
        text = new String(base64.indexOf('+') >= 0 || base64.indexOf('/') >= 0
            ? Base64.getDecoder().decode(base64) : Base64.getUrlDecoder().decode(base64), StandardCharsets.UTF_8);
      } else {
        return null;
      }
      if (NOT_JSONB.matcher(text).find() || text.indexOf('\0') >= 0) {
        return null;
      }
      // {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0", "data": {"schema": ..., "data": {...}}}
      JsonNode inner = JSON.readTree(text).path("data");
      JsonNode schema = inner.path("schema");
      if (!schema.isTextual() || !inner.has("data")) {
        return null;
      }
      ObjectNode decoded = JsonNodeFactory.withExactBigDecimals(true).objectNode();
      decoded.put("schema", schema.textValue());
      Matcher parts = SCHEMA.matcher(schema.textValue());
      if (parts.matches()) {
        decoded.put("vendor", parts.group(1)).put("name", parts.group(2)).put("format", parts.group(3)).put("version", parts.group(4));
      }
      decoded.set("data", inner.get("data"));
      return decoded;
    } catch (IllegalArgumentException | JsonProcessingException notDecodable) {
      return null;
    }
  }
}
