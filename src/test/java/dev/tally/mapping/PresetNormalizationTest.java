package dev.tally.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.ingest.BodyParser;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.FieldError;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import dev.tally.normalize.ParsedEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * SDK messages as the Node SDKs send them (shapes copied from analytics-node 3.1.0, rudder-sdk-node 3.0.13 and
 * posthog-node 5.70.0), normalized with a preset's expansion. They carry no clientId: the ingest key's client is
 * filled in, as for any event sent with a client-bound key.
 */
class PresetNormalizationTest {

  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String SEGMENT_TRACK = """
      {"timestamp":"2026-11-26T10:00:00.000Z","type":"track","event":"order.completed","userId":"u1",
       "properties":{"revenue":12.5,"currency":"EUR","order_id":"o-1001"},
       "context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"}},"integrations":{},
       "messageId":"node-next-1795687200000-743be593-7789-4b74-8078-cbcc8894c586","_metadata":{"jsRuntime":"node"}}""";

  private static final String RUDDERSTACK_TRACK = """
      {"event":"order.completed","userId":"u1","properties":{"revenue":"12.50"},"type":"track",
       "context":{"library":{"name":"analytics-node","version":"3.0.13"}},"channel":"server",
       "_metadata":{"nodeVersion":"20.11.0"},"originalTimestamp":"2026-11-26T10:00:00.000Z",
       "messageId":"5e6f2a3c-1b7d-4f0e-9a51-2c8d3e4f5a6b","sentAt":"2026-11-26T10:00:01.250Z"}""";

  private static final String POSTHOG_CAPTURE = """
      {"distinct_id":"u1","event":"purchase","properties":{"revenue":12.5,"$lib":"posthog-node","$lib_version":"5.70.0",
       "$geoip_disable":true},"timestamp":"2026-11-26T10:00:00.000Z","uuid":"019ac0a1-2b3c-7d4e-8f50-6a7b8c9d0e1f"}""";

  private final BodyParser parser = new BodyParser(1000, 64, 262_144, 1000);
  private final Normalizer normalizer = new Normalizer(Duration.ofHours(24));

  @Test
  void aSegmentTrackMessageBecomesTheCanonicalEvent() throws Exception {
    CanonicalEvent event = accepted(normalize("segment", SEGMENT_TRACK));

    assertEvent(event, "order.completed", "12.5", "2026-11-26T10:00:00Z", "node-next-1795687200000-743be593-7789-4b74-8078-cbcc8894c586");
  }

  @Test
  void aRudderStackTrackMessageIsTimedByItsOriginalTimestamp() throws Exception {
    CanonicalEvent event = accepted(normalize("rudderstack", RUDDERSTACK_TRACK));

    assertEvent(event, "order.completed", "12.50", "2026-11-26T10:00:00Z", "5e6f2a3c-1b7d-4f0e-9a51-2c8d3e4f5a6b");
  }

  @Test
  void aPostHogEventBecomesTheCanonicalEvent() throws Exception {
    CanonicalEvent event = accepted(normalize("posthog", POSTHOG_CAPTURE));

    assertEvent(event, "purchase", "12.5", "2026-11-26T10:00:00Z", "019ac0a1-2b3c-7d4e-8f50-6a7b8c9d0e1f");
  }

  @Test
  void aMessageWithoutTheAmountPropertyIsRejectedAsAMissingField() throws Exception {
    String trackWithoutRevenue = SEGMENT_TRACK.replace("\"revenue\":12.5,", "");
    String pageview = POSTHOG_CAPTURE.replace("\"revenue\":12.5,", "");

    for (Normalization outcome : new Normalization[] {normalize("segment", trackWithoutRevenue), normalize("posthog", pageview)}) {
      assertThat(outcome).isInstanceOf(Normalization.Rejected.class);
      assertThat(((Normalization.Rejected) outcome).errors()).singleElement().satisfies(error -> {
        assertThat(error.field()).isEqualTo("amount");
        assertThat(error.code()).isEqualTo(FieldError.MISSING_FIELD);
        assertThat(error.message()).contains("/properties/revenue");
      });
    }
  }

  private Normalization normalize(String preset, String message) throws Exception {
    MappingValidator.Result validated = MappingValidator.validate(
        JSON.readTree("{\"preset\":\"" + preset + "\",\"fields\":{\"amount\":\"/properties/revenue\"}}"));
    Mapping mapping = ((MappingValidator.Valid) validated).definition().compile(1);
    ParsedEvent raw = parser.parseElement(message.getBytes(StandardCharsets.UTF_8)).event();
    Normalization outcome = normalizer.normalize(Normalizer.withDefaultClientId(raw, "web_shop"), mapping, NOW);
    assertThat(outcome.mappingVersion()).isEqualTo(1);
    return outcome;
  }

  private static void assertEvent(CanonicalEvent event, String metric, String amount, String timestamp, String eventId) {
    assertThat(event.clientId()).isEqualTo("web_shop");
    assertThat(event.metric()).isEqualTo(metric);
    assertThat(event.amount()).isEqualByComparingTo(new BigDecimal(amount));
    assertThat(event.timestamp()).isEqualTo(Instant.parse(timestamp));
    assertThat(event.eventId()).isEqualTo(eventId);
  }

  private static CanonicalEvent accepted(Normalization outcome) {
    assertThat(outcome).isInstanceOf(Normalization.Accepted.class);
    return ((Normalization.Accepted) outcome).event();
  }
}
