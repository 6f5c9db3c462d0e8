package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonPointer;
import java.util.List;
import java.util.Map;

/**
 * The analytics SDK protocols Tally speaks. Segment's HTTP tracking API is also RudderStack's: their Node SDKs
 * send the same envelope to the same paths, so one protocol serves both.
 */
public enum Protocol {

  /** {@code POST /v1/batch} {"batch": [...], "writeKey", "sentAt", "context"}; single calls /v1/track, /v1/identify, ... */
  SEGMENT("segment", List.of("/writeKey"), Map.of(
      "/v1/track", "track", "/v1/identify", "identify", "/v1/page", "page", "/v1/screen", "screen",
      "/v1/group", "group", "/v1/alias", "alias")),

  /** {@code POST /batch/} {"api_key", "batch": [...], "sent_at"}; {@code /capture/} and {@code /e/} take one event, an array or a batch. */
  POSTHOG("posthog", List.of("/api_key", "/token", "/properties/token"), Map.of());

  /** The member of the envelope that holds the events. */
  static final String BATCH_MEMBER = "batch";

  private final String id;
  private final List<JsonPointer> keyPointers;
  private final Map<String, String> impliedTypes;

  Protocol(String id, List<String> keyPointers, Map<String, String> impliedTypes) {
    this.id = id;
    this.keyPointers = keyPointers.stream().map(JsonPointer::compile).toList();
    this.impliedTypes = impliedTypes;
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
