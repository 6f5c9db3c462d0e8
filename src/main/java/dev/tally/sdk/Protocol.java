package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonPointer;
import java.util.List;
import java.util.Map;

/**
 * The analytics SDK protocols Tally speaks. Segment's HTTP tracking API is also RudderStack's: their Node SDKs
 * send the same envelope to the same paths, so one protocol serves both.
 */
public enum Protocol {

  /**
   * {@code POST /v1/batch} {"batch": [...], "writeKey", "sentAt", "context"}; single calls /v1/track, /v1/identify, ...
   * and analytics.js' one-letter forms /v1/t, /v1/i, /v1/p, /v1/s, /v1/g, /v1/a.
   */
  SEGMENT("segment", "batch", List.of("/writeKey"), Map.ofEntries(
      Map.entry("/v1/track", "track"), Map.entry("/v1/identify", "identify"), Map.entry("/v1/page", "page"),
      Map.entry("/v1/screen", "screen"), Map.entry("/v1/group", "group"), Map.entry("/v1/alias", "alias"),
      Map.entry("/v1/t", "track"), Map.entry("/v1/i", "identify"), Map.entry("/v1/p", "page"),
      Map.entry("/v1/s", "screen"), Map.entry("/v1/g", "group"), Map.entry("/v1/a", "alias"))),

  /** {@code POST /batch/} {"api_key", "batch": [...], "sent_at"}; {@code /capture/} and {@code /e/} take one event, an array or a batch. */
  POSTHOG("posthog", "batch", List.of("/api_key", "/token", "/properties/token"), Map.of()),

  /**
   * Snowplow's tracker protocol: {@code POST .../com.snowplowanalytics.snowplow/tp2} {"schema": payload_data, "data":
   * [...]}, or one event as the query of {@code GET .../i}; the key is never in the body.
   */
  SNOWPLOW("snowplow", "data", List.of(), Map.of());

  private final String id;
  private final String batchMember;
  private final List<JsonPointer> keyPointers;
  private final Map<String, String> impliedTypes;

  Protocol(String id, String batchMember, List<String> keyPointers, Map<String, String> impliedTypes) {
    this.id = id;
    this.batchMember = batchMember;
    this.keyPointers = keyPointers.stream().map(JsonPointer::compile).toList();
    this.impliedTypes = impliedTypes;
  }

  /** The member of the envelope that holds the events. */
  String batchMember() {
    return batchMember;
  }

  /** How the raw rows name the protocol ({@code envelope.protocol}). */
  public String id() {
    return id;
  }

  /** Where this protocol's bodies may carry the API key, in order of preference. */
  List<JsonPointer> keyPointers() {
    return keyPointers;
  }

  /** The message type a single-call endpoint implies (/v1/track and /v1/track/: track); null for batch endpoints. */
  String impliedType(String endpoint) {
    String route = endpoint.length() > 1 && endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    return impliedTypes.get(route);
  }
}
