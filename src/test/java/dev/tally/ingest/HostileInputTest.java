package dev.tally.ingest;

import static dev.tally.support.JsonLiterals.quoted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.FieldError;
import dev.tally.normalize.Fingerprint;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import dev.tally.platform.PayloadTooLargeException;
import dev.tally.support.JsonLiterals;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The parser and normalizer against arbitrary input: every outcome is typed (accepted, rejected with codes,
 * unparseable, or a batch over its limit), never an unexpected exception; accepted events re-normalize to the
 * same fingerprint; amounts are exact or rejected, never rounded. Tries per property: jqwik's default (1000)
 * in CI (4,150 inputs); a large run by hand: {@code ./mvnw -B test -Dtest=HostileInputTest
 * -Djqwik.tries.default=30000} (120,150 inputs, about 8 minutes on a busy 2-core machine). The number of inputs tried is
 * printed after the run.
 */
class HostileInputTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final BodyParser PARSER = new BodyParser(1000, 64, 262_144, 1000);
  private static final Normalizer NORMALIZER = new Normalizer(Duration.ofHours(24));
  private static final String[] CONTENT_TYPES = {null, "application/json", "application/x-ndjson", "text/plain"};
  private static long inputs;

  @Property
  void arbitraryBytesGiveATypedOutcome(@ForAll byte[] body, @ForAll @IntRange(max = 3) int contentType) {
    outcome(body, CONTENT_TYPES[contentType]);
  }

  @Property
  void arbitraryJsonGivesATypedOutcomeAndAcceptedEventsRenormalizeToTheSameFingerprint(
      @ForAll("jsonBodies") String json, @ForAll boolean ndjson) {
    for (Normalization normalization : outcome(json.getBytes(StandardCharsets.UTF_8), ndjson ? "application/x-ndjson" : null)) {
      if (normalization instanceof Normalization.Accepted accepted) {
        assertThat(renormalized(accepted.event()).fingerprint()).isEqualTo(accepted.fingerprint());
      }
    }
  }

  @Property
  void eventShapedJsonIsAcceptedOnlyWithAllRequiredFieldsAndThenStable(@ForAll("events") String json) {
    for (Normalization normalization : outcome(json.getBytes(StandardCharsets.UTF_8), null)) {
      if (normalization instanceof Normalization.Accepted accepted) {
        CanonicalEvent event = accepted.event();
        assertThat(event.clientId()).matches("[A-Za-z0-9._:-]{1,128}");
        assertThat(event.metric()).matches("[A-Za-z0-9._:/-]{1,128}");
        assertThat(renormalized(event).fingerprint()).isEqualTo(accepted.fingerprint());
      } else {
        assertThat(((Normalization.Rejected) normalization).errors()).isNotEmpty().allSatisfy(error -> assertThat(error.code()).isNotBlank());
      }
    }
  }

  @Property
  void amountsAreExactOrRejectedNeverRounded(@ForAll("amountLiterals") String literal, @ForAll boolean asString) {
    String amount = asString ? "\"" + literal + "\"" : literal;
    String json = "{\"clientId\":\"c\",\"metric\":\"m\",\"amount\":" + amount + ",\"timestamp\":\"2024-01-01T00:00:00Z\"}";
    List<Normalization> results = outcome(json.getBytes(StandardCharsets.UTF_8), null);
    BigDecimal exact = exact(literal);
    if (results.isEmpty()) {
      // A JSON number whose exponent no BigDecimal holds (1e9999999999) makes the body unparseable, by design.
      assertThat(exact).as(literal).isNull();
      assertThat(asString).isFalse();
      return;
    }
    assertThat(results).hasSize(1);
    if (results.get(0) instanceof Normalization.Accepted accepted) {
      assertThat(exact).as("a literal that BigDecimal cannot hold is never accepted").isNotNull();
      assertThat(accepted.event().amount().compareTo(exact)).as(literal).isZero();
      assertThat(accepted.event().amount().toPlainString()).isEqualTo(exact.stripTrailingZeros().toPlainString());
    } else {
      List<FieldError> errors = ((Normalization.Rejected) results.get(0)).errors();
      assertThat(errors).extracting(FieldError::code).containsExactly(FieldError.INVALID_AMOUNT);
      assertThat(exact == null || outOfRange(exact)).as("rejected only when out of range: " + literal).isTrue();
    }
  }

  @Property(tries = 50)
  void deepNestingAndLongValuesAreTypedOutcomes(@ForAll @IntRange(min = 1, max = 5000) int depth,
      @ForAll @IntRange(min = 0, max = 300_000) int length) {
    String nested = "[".repeat(depth) + "]".repeat(depth);
    outcome(("{\"clientId\":\"c\",\"x\":" + nested + "}").getBytes(StandardCharsets.UTF_8), null);
    String longText = "a".repeat(length);
    outcome(("{\"clientId\":\"" + longText + "\",\"metric\":\"" + longText + "\",\"amount\":\"" + longText
        + "\",\"timestamp\":\"2024-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8), null);
    outcome(("{\"amount\":" + "9".repeat(Math.min(length, 2000)) + "}").getBytes(StandardCharsets.UTF_8), null);
  }

  @AfterContainer
  static void report() {
    System.out.println("HostileInputTest: " + inputs + " inputs parsed and normalized");
  }

  // ---- what every input must give

  /** Parses and normalizes; fails the property on any exception other than a typed "batch too large". */
  private static List<Normalization> outcome(byte[] body, String contentType) {
    inputs++;
    ParsedBody parsed;
    try {
      parsed = PARSER.parse(body, contentType);
    } catch (PayloadTooLargeException tooLarge) {
      return List.of();
    }
    List<ParsedBody.Element> elements;
    if (parsed instanceof ParsedBody.Unparseable unparseable) {
      assertThat(unparseable.message()).isNotBlank();
      elements = List.of();
    } else if (parsed instanceof ParsedBody.Single single) {
      elements = List.of(single.element());
    } else {
      elements = ((ParsedBody.Batch) parsed).elements();
    }
    List<Normalization> results = new ArrayList<>();
    for (ParsedBody.Element element : elements) {
      assertThat(element.raw()).isNotNull();
      if (!element.parsed()) {
        assertThat(element.error()).isNotBlank();
        continue;
      }
      Normalizer.clientIdOf(element.event());
      Normalization normalization = NORMALIZER.normalize(element.event(), Mapping.DEFAULT, NOW);
      if (normalization instanceof Normalization.Accepted accepted) {
        assertThat(accepted.fingerprint()).isEqualTo(Fingerprint.of(accepted.event())).matches("[0-9a-f]{64}");
      }
      results.add(normalization);
    }
    return results;
  }

  /** The canonical event written out as a client would send it, parsed and normalized again. */
  private static Normalization.Accepted renormalized(CanonicalEvent event) {
    String json = "{\"clientId\":" + quoted(event.clientId()) + ",\"metric\":" + quoted(event.metric())
        + ",\"amount\":" + event.amount().toPlainString() + ",\"timestamp\":\"" + Fingerprint.formatTimestamp(event.timestamp()) + "\""
        + (event.eventId() == null ? "" : ",\"eventId\":" + quoted(event.eventId())) + "}";
    ParsedBody.Single single = (ParsedBody.Single) PARSER.parse(json.getBytes(StandardCharsets.UTF_8), null);
    Normalization again = NORMALIZER.normalize(single.element().event(), Mapping.DEFAULT, NOW);
    assertThat(again).as(json).isInstanceOf(Normalization.Accepted.class);
    return (Normalization.Accepted) again;
  }

  private static BigDecimal exact(String literal) {
    try {
      return new BigDecimal(literal.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean outOfRange(BigDecimal amount) {
    if (amount.signum() == 0) {
      return false;
    }
    return (long) amount.precision() - amount.scale() > 18 || amount.stripTrailingZeros().scale() > 9;
  }

  // ---- generators

  @Provide
  Arbitrary<String> jsonBodies() {
    return Arbitraries.oneOf(value(4), value(2).list().ofMaxSize(20).map(values -> String.join("\n", values)));
  }

  @Provide
  Arbitrary<String> events() {
    Arbitrary<String> field = Combinators.combine(
            Arbitraries.of("clientId", "client_id", "ClientID", "client-id", "metric", "amount", "Amount", "timestamp",
                "time_stamp", "eventId", "event_id", "price", "extra"),
            Arbitraries.oneOf(numbers(), strings().map(JsonLiterals::quoted), timestamps(), value(2)))
        .as((key, value) -> quoted(key) + ":" + value);
    Arbitrary<String> canonical = Combinators.combine(
            Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(0).ofMaxLength(140),
            Arbitraries.strings().withChars("abc019._:/- ").ofMinLength(0).ofMaxLength(140),
            Arbitraries.oneOf(numbers(), amountLiterals().map(JsonLiterals::quoted)),
            timestamps())
        .as((client, metric, amount, ts) -> "{\"clientId\":" + quoted(client) + ",\"metric\":" + quoted(metric)
            + ",\"amount\":" + amount + ",\"timestamp\":" + ts + "}");
    return Arbitraries.frequencyOf(
        Tuple.of(1, field.list().ofMaxSize(8).map(fields -> "{" + String.join(",", fields) + "}")),
        Tuple.of(2, canonical));
  }

  @Provide
  Arbitrary<String> amountLiterals() {
    Arbitrary<String> integer = Arbitraries.oneOf(Arbitraries.just("0"),
        Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(40).map(digits -> "1" + digits));
    Arbitrary<String> fraction = Arbitraries.oneOf(Arbitraries.just(""),
        Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(30).map(digits -> "." + digits));
    Arbitrary<String> exponent = Arbitraries.oneOf(Arbitraries.of("", "e0", "E-3", "e+9", "e-9", "e18", "e-18", "e2147483647",
            "e-2147483648", "e9999999999"),
        Arbitraries.integers().between(-40, 40).map(e -> "e" + e));
    return Combinators.combine(Arbitraries.of("", "-"), integer, fraction, exponent).as((sign, i, f, e) -> sign + i + f + e);
  }

  private Arbitrary<String> value(int depth) {
    Arbitrary<String> leaf = Arbitraries.oneOf(numbers(), strings().map(JsonLiterals::quoted),
        Arbitraries.of("true", "false", "null", "{}", "[]"));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<String> array = value(depth - 1).list().ofMaxSize(4).map(values -> "[" + String.join(",", values) + "]");
    Arbitrary<String> object = Combinators.combine(strings(), value(depth - 1)).as((key, value) -> quoted(key) + ":" + value)
        .list().ofMaxSize(5).map(entries -> "{" + String.join(",", entries) + "}");
    return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(1, array), Tuple.of(2, object));
  }

  private Arbitrary<String> numbers() {
    return Arbitraries.oneOf(amountLiterals(),
        Arbitraries.bigIntegers().between(new java.math.BigInteger("-1" + "0".repeat(60)), new java.math.BigInteger("1" + "0".repeat(60)))
            .map(String::valueOf),
        Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(1200));
  }

  private Arbitrary<String> timestamps() {
    return Arbitraries.oneOf(
        Arbitraries.of("\"2024-01-01T00:00:00Z\"", "\"2024-01-01T00:00:00\"", "\"2024-02-30T00:00:00Z\"", "1704067200",
            "1704067200000", "\"1704067200\"", "\"2024-01-01T00:00:00.1234567Z\"", "\"2024-01-01T00:00:00.000000100Z\"",
            "\"+999999999-12-31T23:59:59Z\"", "\"2024-01-01T00:00:00+25:00\"", "-1", "1e300", "\"\"", "null", "true"),
        Arbitraries.longs().between(0, 5_000_000_000_000L).map(String::valueOf),
        strings().map(JsonLiterals::quoted));
  }

  /** Any characters, NUL and lone surrogates included. */
  private Arbitrary<String> strings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().withChars('\u0000', '\uD800', '\uDC00', '\uFFFF', 'a', '"', '\\').ofMaxLength(10),
        Arbitraries.strings().alpha().ofMinLength(1000).ofMaxLength(5000));
  }
}
