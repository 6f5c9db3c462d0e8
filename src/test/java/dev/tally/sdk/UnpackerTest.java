package dev.tally.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.ingest.BodyDecoder;
import dev.tally.ingest.Incoming;
import dev.tally.ingest.JsonReader;
import dev.tally.normalize.FieldError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Envelope parsing with the request bodies the real SDKs sent (src/test/resources/sdk/captured, recorded by
 * src/test/sdk/capture.mjs): one event per message, the key found and removed, the envelope kept, and which
 * messages are refused as not countable.
 */
class UnpackerTest {

  private static final EnvelopeParser PARSER = new EnvelopeParser(new JsonReader(1000, 64, 1_000_000, 1000));
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Arguments> captured() {
    return Stream.of(
        // file, protocol, messages, refused (not countable), envelope members kept
        Arguments.of("segment-1", Protocol.SEGMENT, 4, List.of("identify", "page"), List.of("sentAt")),
        Arguments.of("rudderstack-1", Protocol.SEGMENT, 1, List.of(), List.of("sentAt", "timestamp")),
        Arguments.of("rudderstack-2", Protocol.SEGMENT, 3, List.of("identify", "page"), List.of("sentAt", "timestamp")),
        Arguments.of("posthog-1", Protocol.POSTHOG, 4, List.of("$identify", "$create_alias", "$groupidentify"), List.of("sent_at")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("captured")
  void capturedBodiesUnpackIntoOneEventPerMessage(String file, Protocol protocol, int messages, List<String> refused,
      List<String> members) throws Exception {
    Captured request = Captured.load(file);
    byte[] body = ((BodyDecoder.Decoded) BodyDecoder.decode(request.body(), request.header("content-encoding"), 1 << 20)).bytes();
    assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(request.decodedBody());

    Unpacker.Result result = Unpacker.unpack(protocol, request.path(),
        PARSER.parse(body, request.header("content-type")));

    Unpacker.Unpacked unpacked = (Unpacker.Unpacked) result;
    assertThat(unpacked.incoming()).hasSize(messages);
    // Segment sends its key in the body as well as in Basic auth, PostHog only in the body; RudderStack only in Basic auth.
    assertThat(unpacked.key()).isEqualTo(file.startsWith("rudderstack") ? null : request.writeKey());
    JsonNode envelope = JSON.readTree(unpacked.envelopeJson());
    assertThat(envelope.get("protocol").asText()).isEqualTo(protocol.id());
    assertThat(envelope.get("endpoint").asText()).isEqualTo(request.path());
    assertThat(envelope.get("members").fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(members);
    assertThat(unpacked.envelopeJson()).doesNotContain(request.writeKey());

    JsonNode sent = JSON.readTree(request.decodedBody()).get("batch");
    for (int i = 0; i < messages; i++) {
      Incoming incoming = unpacked.incoming().get(i);
      // Each message's raw bytes are exactly what the SDK sent for it.
      assertThat(JSON.readTree(incoming.element().raw())).isEqualTo(sent.get(i));
      String kind = protocol == Protocol.POSTHOG ? sent.get(i).get("event").asText() : sent.get(i).get("type").asText();
      if (refused.contains(kind)) {
        assertThat(incoming.refusal()).extracting(FieldError::code).containsExactly(MessageTypes.UNSUPPORTED_MESSAGE_TYPE);
      } else {
        assertThat(incoming.refusal()).isEmpty();
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      // protocol | route     | body                                                                  | key        | stored message
      "SEGMENT    | /v1/track | {\"writeKey\":\"k1\",\"type\":\"track\",\"event\":\"e\"}              | k1         | {\"type\":\"track\",\"event\":\"e\"}",
      "POSTHOG    | /capture  | {\"api_key\":\"k2\",\"event\":\"e\",\"properties\":{\"a\":1}}        | k2         | {\"event\":\"e\",\"properties\":{\"a\":1}}",
      "POSTHOG    | /e        | [{\"event\":\"e\",\"properties\":{\"token\":\"k3\",\"a\":1}}]         | k3         | {\"event\":\"e\",\"properties\":{\"a\":1}}",
      "POSTHOG    | /capture  | {\"token\":\"k4\",\"event\":\"e\"}                                    | k4         | {\"event\":\"e\"}",
      "SEGMENT    | /v1/track | {\"type\":\"track\",\"event\":\"e\"}                                  |            | {\"type\":\"track\",\"event\":\"e\"}",
  })
  void keysInSingleEventsAreFoundAndNotStored(Protocol protocol, String route, String body, String key, String stored) throws Exception {
    Unpacker.Unpacked unpacked = (Unpacker.Unpacked) Unpacker.unpack(protocol, route,
        PARSER.parse(body.getBytes(StandardCharsets.UTF_8), "application/json"));
    assertThat(unpacked.key()).isEqualTo(key);
    assertThat(JSON.readTree(unpacked.incoming().get(0).element().raw())).isEqualTo(JSON.readTree(stored));
    assertThat(JSON.readTree(unpacked.incoming().get(0).element().event().json().toString())).isEqualTo(JSON.readTree(stored));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"api_key\":\"a\",\"batch\":[{\"event\":\"e\",\"properties\":{\"token\":\"b\"}}]}",
      "[{\"api_key\":\"a\",\"event\":\"e\"},{\"api_key\":\"b\",\"event\":\"e\"}]",
      // Kept byte-exact (a duplicate key): both values are read, not only the one a parsed tree keeps.
      "{\"batch\":[{\"api_key\":\"a\",\"api_key\":\"b\",\"event\":\"e\"}]}",
      "[{\"event\":\"x\\u0000\",\"properties\":{\"token\":\"a\"}},{\"event\":\"e\",\"properties\":{\"token\":\"b\"}}]",
  })
  void differentKeysInOneBodyAreRefused(String body) {
    assertThat(Unpacker.unpack(Protocol.POSTHOG, "/batch/",
        PARSER.parse(body.getBytes(StandardCharsets.UTF_8), "application/json")))
        .isInstanceOf(Unpacker.MixedKeys.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      POSTHOG | {"api_key":"k1","a":"\\u0000"}                 | {"api_key":"[redacted]","a":"\\u0000"}                 | k1
      POSTHOG | {"api_key":"k1","api_key":"k2"}                 | {"api_key":"[redacted]","api_key":"[redacted]"}         | k1 k2
      POSTHOG | {"é":"€😀","api_key" : "k1" ,"b":1}              | {"é":"€😀","api_key" : "[redacted]" ,"b":1}              | k1
      POSTHOG | [{"properties":{"token":"k3"}}]                 | [{"properties":{"token":"[redacted]"}}]                 | k3
      POSTHOG | {"batch":[{"token":"k4"}],"api_key":"k4","x     | {"batch":[{"token":"[redacted]"}],"api_key":"[redacted]","x | k4
      POSTHOG | {"api_key":"tally_abcdef                        | {"api_key":"[redacted]                                  |
      SEGMENT | {"writeKey":"tally_secret_1","c":"tally_secret_1 and more"} | {"writeKey":"[redacted]","c":"[redacted] and more"} | tally_secret_1
      SEGMENT | {"writeKey":"k5","api_key":"not a segment key"} | {"writeKey":"[redacted]","api_key":"not a segment key"} | k5
      POSTHOG | {"event":"token","properties":{"x":"api_key"}}  | {"event":"token","properties":{"x":"api_key"}}          |
      POSTHOG | {"nested":{"api_key":"k6"}}                     | {"nested":{"api_key":"k6"}}                             |
      POSTHOG | not json "api_key":"k7"                         | not json "api_key":"k7"                                 |
      """)
  void keysInBytesKeptAsReceivedAreRedactedInPlace(Protocol protocol, String body, String stored, String keys) {
    KeyRedactor.Redacted redacted = KeyRedactor.redact(protocol, body.getBytes(StandardCharsets.UTF_8));

    assertThat(new String(redacted.bytes(), StandardCharsets.UTF_8)).isEqualTo(stored);
    assertThat(redacted.keys()).containsExactlyElementsOf(keys == null ? List.of() : List.of(keys.split(" ")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not json at all",
      "{\"batch\":{\"type\":\"track\"}}",
      "{\"batch\":[],\"batch\":[]}",
      "\"a string\"",
  })
  void bodiesWithoutReadableEventsAreUnreadable(String body) {
    SdkBody parsed = PARSER.parse(body.getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(Unpacker.unpack(Protocol.SEGMENT, "/v1/batch", parsed)).isInstanceOf(Unpacker.Unreadable.class);
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource(delimiter = '|', value = {
      // protocol | implied type | message                                           | refused
      "SEGMENT    |              | {\"type\":\"track\"}                               | false",
      "SEGMENT    |              | {\"type\":\"Track\"}                               | false",
      "SEGMENT    |              | {\"type\":\"identify\"}                            | true",
      "SEGMENT    |              | {\"type\":\"screen\"}                              | true",
      "SEGMENT    |              | {\"event\":\"no type\"}                            | true",
      "SEGMENT    |              | {\"type\":7}                                       | true",
      "SEGMENT    | track        | {\"event\":\"typed by the route\"}                 | false",
      "SEGMENT    | track        | {\"type\":\"identify\"}                            | true",
      "SEGMENT    | alias        | {\"previousId\":\"a\"}                             | true",
      "POSTHOG    |              | {\"event\":\"purchase\"}                           | false",
      "POSTHOG    |              | {\"event\":\"$pageview\"}                          | true",
      "POSTHOG    |              | {\"event\":\"$identify\",\"type\":\"identify\"}    | true",
      "POSTHOG    |              | {\"event\":\"purchase\",\"type\":\"capture\"}      | false",
      "POSTHOG    |              | {\"event\":\"purchase\",\"type\":\"alias\"}        | true",
      "POSTHOG    |              | {\"properties\":{}}                                | false",
      "SEGMENT    |              | [1,2]                                              | false",
  })
  void onlyTrackMessagesAndCapturesAreCountable(Protocol protocol, String implied, String message, boolean refused) throws Exception {
    assertThat(MessageTypes.refusal(protocol, JSON.readTree(message), implied)).hasSize(refused ? 1 : 0);
  }
}
