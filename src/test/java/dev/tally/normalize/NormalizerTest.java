package dev.tally.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.ingest.BodyParser;
import dev.tally.ingest.ParsedBody;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.aggregator.ArgumentsAccessor;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * The default normalization rules of the contract, one row per case in {@code normalize/cases.csv}. Inputs go
 * through the production {@link BodyParser}, so duplicate keys and exact decimals behave as they do in ingest.
 */
class NormalizerTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Pattern REPEAT = Pattern.compile("\\{\\{([^{}*]+)\\*([0-9]+)\\}\\}");

  private final BodyParser parser = new BodyParser(1000, 64, 262_144, 1000);
  private final Normalizer normalizer = new Normalizer(Duration.ofHours(24));

  @ParameterizedTest(name = "{0}")
  @CsvFileSource(resources = "/normalize/cases.csv", numLinesToSkip = 1, delimiterString = "|", quoteCharacter = '`',
      maxCharsPerColumn = 8192)
  @Timeout(value = 5, unit = TimeUnit.SECONDS)
  void normalizesAsTheContractSays(ArgumentsAccessor row) {
    String name = row.getString(0);
    String input = expand(row.getString(1));
    String expected = expand(row.getString(2));
    String messageExcerpt = row.size() > 3 ? expand(row.getString(3)) : null;
    Instant now = row.size() > 4 && row.getString(4) != null ? Instant.parse(row.getString(4)) : NOW;

    ParsedBody.Element element = parser.parseElement(input.getBytes(StandardCharsets.UTF_8));
    if (expected.equals("unparseable")) {
      assertThat(element.parsed()).as("%s: parsed %s", name, input).isFalse();
      return;
    }
    assertThat(element.parsed()).as("%s: parse error %s", name, element.error()).isTrue();
    Normalization outcome = normalizer.normalize(element.event(), Mapping.DEFAULT, now);
    assertThat(outcome.mappingVersion()).isZero();

    assertOutcome(name, outcome, expected, messageExcerpt);
  }

  /** Checks an outcome against a row's expectation: {@code accepted k=v; ...} or {@code rejected field:code ...}. */
  static void assertOutcome(String name, Normalization outcome, String expected, String messageExcerpt) {
    if (expected.startsWith("accepted ")) {
      assertThat(outcome).as(name).isInstanceOf(Normalization.Accepted.class);
      assertAccepted(name, ((Normalization.Accepted) outcome).event(), fields(expected.substring("accepted ".length())));
    } else if (expected.startsWith("rejected ")) {
      assertThat(outcome).as(name).isInstanceOf(Normalization.Rejected.class);
      List<FieldError> errors = ((Normalization.Rejected) outcome).errors();
      List<String> actual = new ArrayList<>();
      for (FieldError error : errors) {
        actual.add((error.field() == null ? "-" : error.field()) + ":" + error.code());
      }
      List<String> wanted = Arrays.asList(expected.substring("rejected ".length()).trim().split("\\s+"));
      assertThat(actual).as("%s: errors %s", name, errors).containsExactlyInAnyOrderElementsOf(wanted);
      if (messageExcerpt != null) {
        assertThat(errors).as(name).extracting(FieldError::message).anySatisfy(message -> assertThat(message).contains(messageExcerpt));
      }
    } else {
      throw new IllegalArgumentException("expected must start with accepted, rejected or unparseable: " + expected);
    }
  }

  @Test
  void quotedValuesAreCutTo64CharactersSoOneFieldCannotBloatAResponse() {
    String longId = "x".repeat(5_000);
    Normalization outcome = normalize("{\"clientId\":\"" + longId + "\",\"metric\":\"value\",\"amount\":1,"
        + "\"timestamp\":\"2024-01-01T00:00:00Z\"}");

    String message = ((Normalization.Rejected) outcome).errors().get(0).message();
    assertThat(message).contains("\"" + "x".repeat(63) + "…").doesNotContain("x".repeat(64));
    assertThat(message.length()).isLessThan(200);
  }

  @Test
  void acceptedEventsCarryTheFingerprintOfTheirCanonicalForm() {
    Normalization outcome = normalize("{\"client_id\":\"client_A\",\"metric\":\" value \",\"amount\":\"1200.00\","
        + "\"timestamp\":\"2024-01-01T01:00:00+01:00\"}");

    // The vector of FingerprintTest for (client_A, value, 1200, 2024-01-01T00:00:00Z): spelling does not matter.
    assertThat(((Normalization.Accepted) outcome).fingerprint())
        .isEqualTo("ac13fdc859d980745f657b5a405aaf4d9e087171b63cac0aa1d0f90faf0b7f4f");
  }

  @Test
  void theSameInputGivesTheSameAnswer() {
    String input = "{\"clientId\":\"client_A\",\"metric\":\"value\",\"amount\":0.1,\"timestamp\":1704067200.5,\"eventId\":7}";

    assertThat(normalize(input)).isEqualTo(normalize(input));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvFileSource(resources = "/normalize/client-id-of.csv", numLinesToSkip = 1, delimiterString = "|", quoteCharacter = '`')
  void clientIdOfFilesRawRowsOnlyUnderAnUnambiguousValidClientId(String input, String expected) {
    ParsedBody.Element element = parser.parseElement(input.getBytes(StandardCharsets.UTF_8));

    assertThat(Normalizer.clientIdOf(element.event())).isEqualTo(expected);
  }

  @Test
  void aTreeBuiltWithoutBodyParserNormalizesToo() {
    ObjectNode json = JsonNodeFactory.withExactBigDecimals(true).objectNode()
        .put("clientId", "client_A").put("metric", "value").put("amount", new BigDecimal("12.50"))
        .put("timestamp", "2024-01-01T00:00:00Z");

    Normalization outcome = normalizer.normalize(ParsedEvent.of(json), Mapping.DEFAULT, NOW);

    assertThat(((Normalization.Accepted) outcome).event().amount()).isEqualByComparingTo("12.5");
  }

  private Normalization normalize(String input) {
    ParsedBody.Element element = parser.parseElement(input.getBytes(StandardCharsets.UTF_8));
    return normalizer.normalize(element.event(), Mapping.DEFAULT, NOW);
  }

  private static void assertAccepted(String name, CanonicalEvent event, Map<String, String> expected) {
    assertThat(expected.keySet()).as("%s: row must give all four required fields", name)
        .contains("clientId", "metric", "amount", "timestamp");
    assertThat(event.clientId()).as("%s: clientId", name).isEqualTo(expected.get("clientId"));
    assertThat(event.metric()).as("%s: metric", name).isEqualTo(expected.get("metric"));
    // Compared as text: a binary float or a rounding would show here (0.1 vs 0.1000000000000000055...).
    assertThat(event.amount().toPlainString()).as("%s: amount", name).isEqualTo(expected.get("amount"));
    assertThat(event.amount().scale()).as("%s: trailing zeros stripped", name)
        .isEqualTo(event.amount().stripTrailingZeros().scale());
    assertThat(event.timestamp()).as("%s: timestamp", name).isEqualTo(Instant.parse(expected.get("timestamp")));
    assertThat(event.eventId()).as("%s: eventId", name).isEqualTo(expected.get("eventId"));
  }

  /** {@code clientId=a; metric=b; ...}: split on "; " only, so values keep any other spaces. */
  private static Map<String, String> fields(String spec) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : spec.split("; ")) {
      int eq = part.indexOf('=');
      fields.put(part.substring(0, eq), part.substring(eq + 1));
    }
    return fields;
  }

  /** Expands {@code {{text*n}}} into text repeated n times, so rows can hold long inputs. */
  static String expand(String cell) {
    if (cell == null) {
      return null;
    }
    Matcher m = REPEAT.matcher(cell);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
    }
    return m.appendTail(out).toString();
  }
}
