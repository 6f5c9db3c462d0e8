package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.ingest.Incoming;
import dev.tally.ingest.ParsedBody;
import dev.tally.normalize.ParsedEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a parsed SDK request body into the events it carries: one {@link Incoming} per message, each with the
 * envelope it came in (protocol, endpoint, and the envelope's own members such as sentAt and context) and the
 * reason it is refused when it is not an event to count ({@link MessageTypes}). Finds the API key wherever the
 * protocol puts it in a body and removes it from what will be stored: raw rows are readable with a read key,
 * and a write key must not be. Pure.
 */
public final class Unpacker {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  /** What a body held: its events, or why it holds none that can be read. */
  public sealed interface Result {}

  /** {@code key} is the API key found in the body (null when none); {@code envelopeJson} describes the request. */
  public record Unpacked(List<Incoming> incoming, String key, String envelopeJson) implements Result {}

  /** Not JSON, or not an object or array: kept raw as one row, answered 400. */
  public record Unreadable(String message, String envelopeJson) implements Result {}

  /** The body carries different API keys: which one sends it cannot be told. */
  public record MixedKeys(String message) implements Result {}

  private Unpacker() {}

  /** @param endpoint the request path as received */
  public static Result unpack(Protocol protocol, String endpoint, SdkBody body) {
    ObjectNode envelope = NODES.objectNode().put("protocol", protocol.id()).put("endpoint", endpoint);
    Set<String> keys = new LinkedHashSet<>();
    List<ParsedBody.Element> elements;
    if (body instanceof SdkBody.Enveloped enveloped) {
      ObjectNode members = enveloped.members().deepCopy();
      removeKeys(protocol, members, keys);
      if (enveloped.membersJsonbSafe()) {
        envelope.set("members", members);
      } else {
        envelope.put("membersOmitted", "the envelope's own members hold text or numbers PostgreSQL's jsonb cannot store"
            + " faithfully (NUL, unpaired surrogates, numbers out of range); they are not kept, the events are");
      }
      elements = enveloped.elements();
    } else {
      ParsedBody bare = ((SdkBody.Bare) body).body();
      if (bare instanceof ParsedBody.Unparseable unparseable) {
        return new Unreadable(unparseable.message(), json(envelope));
      }
      elements = bare instanceof ParsedBody.Single single ? List.of(single.element()) : ((ParsedBody.Batch) bare).elements();
    }
    List<ParsedBody.Element> stripped = new ArrayList<>(elements.size());
    for (ParsedBody.Element element : elements) {
      ParsedBody.Element withoutKeys = withoutKeys(protocol, element, keys);
      stripped.add(protocol == Protocol.SNOWPLOW ? SnowplowEvents.decoded(withoutKeys) : withoutKeys);
    }
    if (keys.size() > 1) {
      return new MixedKeys("the body carries " + keys.size() + " different API keys; send one request per key");
    }
    String envelopeJson = json(envelope);
    String impliedType = protocol.impliedType(endpoint);
    List<Incoming> incoming = new ArrayList<>(stripped.size());
    for (ParsedBody.Element element : stripped) {
      incoming.add(new Incoming(element, envelopeJson,
          element.parsed() ? MessageTypes.refusal(protocol, element.event().json(), impliedType) : List.of()));
    }
    return new Unpacked(incoming, keys.isEmpty() ? null : keys.iterator().next(), envelopeJson);
  }

  /**
   * The element without the key members, re-serialized, when it has any. An element jsonb cannot hold faithfully
   * (or that is not JSON) is kept byte-exact as received: rewriting it would change it, so its keys' values are
   * redacted in its bytes instead ({@link KeyRedactor}), and every key found there counts, duplicates included.
   */
  private static ParsedBody.Element withoutKeys(Protocol protocol, ParsedBody.Element element, Set<String> keys) {
    if (!element.jsonbSafe()) {
      return redacted(protocol, element, keys);
    }
    if (!element.parsed() || !(element.event().json() instanceof ObjectNode message) || !hasKey(protocol, message)) {
      return element;
    }
    // Copied only when there is a key to remove: most messages (all a Node SDK sends) carry none.
    ObjectNode copy = message.deepCopy();
    removeKeys(protocol, copy, keys);
    byte[] raw = json(copy).getBytes(StandardCharsets.UTF_8);
    return new ParsedBody.Element(new ParsedEvent(copy, element.event().duplicateKeys()), null, raw, true);
  }

  private static ParsedBody.Element redacted(Protocol protocol, ParsedBody.Element element, Set<String> keys) {
    KeyRedactor.Redacted redacted = KeyRedactor.redact(protocol, element.raw());
    if (!element.parsed()) {
      // A line that is not JSON authenticates nothing; its keys are only kept out of storage.
      return new ParsedBody.Element(null, element.error(), redacted.bytes(), false);
    }
    keys.addAll(redacted.keys());
    ParsedEvent event = element.event();
    if (event.json() instanceof ObjectNode message && hasKey(protocol, message)) {
      ObjectNode copy = message.deepCopy();
      removeKeys(protocol, copy, keys);
      event = new ParsedEvent(copy, event.duplicateKeys());
    }
    return new ParsedBody.Element(event, null, redacted.bytes(), false);
  }

  private static boolean hasKey(Protocol protocol, ObjectNode node) {
    for (JsonPointer pointer : protocol.keyPointers()) {
      if (!node.at(pointer).isMissingNode()) {
        return true;
      }
    }
    return false;
  }

  /** Removes every key member the protocol knows from {@code node}, collecting their values. */
  private static void removeKeys(Protocol protocol, ObjectNode node, Set<String> keys) {
    for (JsonPointer pointer : protocol.keyPointers()) {
      String member = pointer.last().getMatchingProperty();
      if (node.at(pointer.head()) instanceof ObjectNode parent && parent.has(member)) {
        JsonNode value = parent.remove(member);
        if (value.isTextual() && !value.asText().isBlank()) {
          keys.add(value.asText().strip());
        }
      }
    }
  }

  private static String json(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }
}
