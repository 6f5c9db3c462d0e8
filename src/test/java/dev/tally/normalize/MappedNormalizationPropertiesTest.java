package dev.tally.normalize;

import static dev.tally.support.JsonLiterals.quoted;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.ingest.BodyParser;
import dev.tally.ingest.ParsedBody;
import dev.tally.mapping.MappingValidator;
import dev.tally.support.JsonLiterals;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Mapped normalization is total: under every mapping option (field pointers, each timestamp format, zones, every
 * amountScale, both metric formats), any parsed element gives Accepted or Rejected with known codes and short
 * messages, never an exception. The values are chosen to hurt: exponents at the ends of BigDecimal's int scale
 * ({@code 1e-2147483646}, {@code 1e2147483647}), exponents that would build 10^n ({@code 1e20000000}), signed zeros
 * with exponents, digit strings up to the parser's 1000-character number limit, numeric strings with exponents,
 * NaN and Infinity as strings, nested objects, NUL, lone surrogates and other Unicode. Mappings go through the
 * production validator, elements through the production parser, as in ingest.
 */
class MappedNormalizationPropertiesTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration SKEW = Duration.ofHours(24);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BodyParser PARSER = new BodyParser(1000, 64, 262_144, 1000);
  private static final Normalizer NORMALIZER = new Normalizer(SKEW);
  private static final Set<String> CODES = Set.of(FieldError.MISSING_FIELD, FieldError.AMBIGUOUS_FIELD, FieldError.DUPLICATE_KEY,
      FieldError.NOT_AN_OBJECT, FieldError.INVALID_CLIENT_ID, FieldError.INVALID_METRIC, FieldError.INVALID_AMOUNT,
      FieldError.INVALID_TIMESTAMP, FieldError.AMBIGUOUS_TIMESTAMP, FieldError.TIMESTAMP_IN_FUTURE, FieldError.INVALID_EVENT_ID);
  /** Messages quote values cut short, so one hostile value cannot bloat an answer. */
  private static final int MAX_MESSAGE_CHARS = 400;
  /** Where events put their values: the canonical names and the places mappings point at. */
  private static final List<String> POINTERS = List.of("/price", "/meta/ts", "/event", "/txn", "/lines/0", "/a~1b", "/missing",
      "/amount", "/timestamp", "/meta", "/lines/7");
  private static long elements;

  @Property
  void everyElementIsAcceptedOrRejectedWithCodesUnderEveryMapping(@ForAll("mappings") Mapping mapping, @ForAll("events") String body) {
    ParsedBody.Element element = PARSER.parseElement(body.getBytes(StandardCharsets.UTF_8));
    elements++;
    if (!element.parsed()) {
      Statistics.collect("unparseable");
      assertThat(element.error()).isNotBlank();
      return;
    }
    ParsedEvent event = Normalizer.withDefaultClientId(element.event(), "bound_client");
    Normalizer.clientIdOf(event);

    Normalization outcome = NORMALIZER.normalize(event, mapping, NOW);

    assertThat(outcome.mappingVersion()).isEqualTo(mapping.version());
    assertThat(NORMALIZER.normalize(event, mapping, NOW)).as("the same input gives the same answer").isEqualTo(outcome);
    Statistics.collect(outcome.getClass().getSimpleName());
    if (outcome instanceof Normalization.Accepted accepted) {
      assertBounded(accepted);
    } else {
      List<FieldError> errors = ((Normalization.Rejected) outcome).errors();
      // At most one error per canonical field, plus one per duplicated key.
      assertThat(errors).as(body).isNotEmpty().hasSizeLessThanOrEqualTo(5 + event.duplicateKeys().size());
      assertThat(errors).allSatisfy(error -> {
        assertThat(CODES).contains(error.code());
        assertThat(error.message()).isNotBlank().hasSizeLessThan(MAX_MESSAGE_CHARS);
      });
    }
  }

  @AfterContainer
  static void report() {
    System.out.println("MappedNormalizationPropertiesTest: " + elements + " elements normalized under generated mappings");
  }

  private static void assertBounded(Normalization.Accepted accepted) {
    CanonicalEvent event = accepted.event();
    assertThat(event.clientId()).matches("[A-Za-z0-9._:-]{1,128}");
    assertThat(event.metric()).matches("[A-Za-z0-9._:/-]{1,128}");
    assertThat((long) event.amount().precision() - event.amount().scale()).isLessThanOrEqualTo(18);
    assertThat(event.amount().scale()).isLessThanOrEqualTo(9);
    assertThat(event.timestamp()).isBetween(Instant.parse("0001-01-01T00:00:00Z"), NOW.plus(SKEW));
    assertThat(accepted.fingerprint()).isEqualTo(Fingerprint.of(event)).matches("[0-9a-f]{64}");
  }

  // ---- generators

  /** Every option a mapping has, validated and compiled as when an operator saves one. */
  @Provide
  Arbitrary<Mapping> mappings() {
    Arbitrary<ObjectNode> fields = Combinators.combine(pointer(), pointer(), pointer(), pointer()).as((metric, amount, ts, id) -> {
      ObjectNode node = JSON.createObjectNode();
      putIfPresent(node, "metric", metric);
      putIfPresent(node, "amount", amount);
      putIfPresent(node, "timestamp", ts);
      putIfPresent(node, "eventId", id);
      return node;
    });
    Arbitrary<String> formats = Arbitraries.of("", "iso8601", "epochSeconds", "epochMillis", "pattern:yyyy-MM-dd HH:mm:ss",
        "pattern:dd.MM.yyyy HH:mm XXX", "pattern:yyyy-MM-dd HH:mm:ss.SSSSSS", "pattern:uuuuMMddHHmmss");
    Arbitrary<String> zones = Arbitraries.of("", "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham",
        "Australia/Lord_Howe");
    Arbitrary<Integer> scales = Arbitraries.integers().between(-1, 18);
    Arbitrary<String> metricFormats = Arbitraries.of("", "exact", "snake_case");
    return Combinators.combine(fields, formats, zones, scales, metricFormats).as((f, format, zone, scale, metricFormat) -> {
      ObjectNode definition = JSON.createObjectNode();
      if (!f.isEmpty()) {
        definition.set("fields", f);
      }
      putIfPresent(definition, "timestampFormat", format);
      putIfPresent(definition, "timezone", zone);
      if (scale >= 0) {
        definition.put("amountScale", scale);
      }
      putIfPresent(definition, "metricFormat", metricFormat);
      MappingValidator.Result result = MappingValidator.validate(definition);
      assertThat(result).as("generated mapping %s", definition).isInstanceOf(MappingValidator.Valid.class);
      return ((MappingValidator.Valid) result).definition().compile(7);
    });
  }

  /**
   * Event bodies with every canonical key and every pointed-at place filled: either all with generated values,
   * or sane values (so that some events are accepted) with one place hostile.
   */
  @Provide
  Arbitrary<String> events() {
    Arbitrary<String> value = values();
    Arbitrary<String> clientId = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("\"c1\"")), Tuple.of(1, Arbitraries.just("")),
        Tuple.of(2, value));
    Arbitrary<String> allGenerated = Combinators.combine(clientId, value.list().ofSize(9), Arbitraries.of("", ",\"amount\":1e2147483647", ",\"Amount\":0"))
        .as((client, v, extra) -> event(client, v, extra));
    List<String> sane = List.of("\"Order.Completed\"", "\"12.50\"", "\"2024-01-01T00:00:00Z\"", "\"t-1\"", "1999",
        "\"2024-07-01 12:00:00\"", "\"sale\"", "1704067200123", "5");
    Arbitrary<String> oneHostile = Combinators.combine(Arbitraries.integers().between(0, sane.size() - 1), value)
        .as((where, hostile) -> {
          List<String> v = new ArrayList<>(sane);
          v.set(where, hostile);
          return event("\"c1\"", v, "");
        });
    return Arbitraries.oneOf(allGenerated, oneHostile);
  }

  private static String event(String client, List<String> v, String extra) {
    return "{" + (client.isEmpty() ? "" : "\"clientId\":" + client + ",")
        + "\"metric\":" + v.get(0) + ",\"amount\":" + v.get(1) + ",\"timestamp\":" + v.get(2) + ",\"eventId\":" + v.get(3)
        + ",\"price\":" + v.get(4) + ",\"meta\":{\"ts\":" + v.get(5) + "},\"event\":" + v.get(6)
        + ",\"txn\":" + v.get(7) + ",\"lines\":[" + v.get(8) + "],\"a/b\":" + v.get(1) + extra + "}";
  }

  private Arbitrary<String> values() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, hostileNumbers()),
        Tuple.of(3, hostileNumbers().map(number -> "\"" + number + "\"")),
        Tuple.of(3, saneValues()),
        Tuple.of(2, hostileStrings().map(JsonLiterals::quoted)),
        Tuple.of(1, Arbitraries.of("true", "false", "null", "[]", "{}", "{\"ts\":1e20000000}", "[1e-2147483646,{\"a\":[null]}]",
            "{\"amount\":{\"amount\":1}}")));
  }

  private Arbitrary<String> hostileNumbers() {
    Arbitrary<String> edges = Arbitraries.of("1e-2147483646", "1e2147483647", "-1e2147483647", "1e-2147483648", "-0e999",
        "0e-2147483647", "0e2147483647", "-0.0e-999", "1e20000000", "-1e20000000", "1e-20000000", "1e999999999", "1E+1000",
        "1e1001", "1e-1000", "1e-1001", "9.99e999", "1704067200123e-3", "1704067200e0", "1.7040672e9", "1704067200000.000",
        "17040672000000000e-4", "NaN", "Infinity", "-Infinity", " 12.5e3 ", "+1e5", "1e+20000000");
    Arbitrary<String> exponents = Combinators.combine(
            Arbitraries.of("", "-"),
            Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(40),
            Arbitraries.oneOf(Arbitraries.integers().between(-3000, 3000), Arbitraries.integers()))
        .as((sign, digits, exponent) -> sign + digits + "e" + exponent);
    Arbitrary<String> longDigits = Combinators.combine(
            Arbitraries.integers().between(1, 990), Arbitraries.integers().between(0, 990), Arbitraries.of("", "e-3", "e7", "e-999"))
        .as((whole, fraction, exponent) -> {
          String number = "1".repeat(whole) + (fraction > 0 ? "." + "0".repeat(fraction) : "") + exponent;
          return number.length() <= 1000 ? number : number.substring(0, 999);
        })
        .filter(number -> !number.endsWith(".") && !number.endsWith("e") && !number.endsWith("-"));
    return Arbitraries.frequencyOf(Tuple.of(4, edges), Tuple.of(3, exponents), Tuple.of(1, longDigits));
  }

  private Arbitrary<String> saneValues() {
    return Arbitraries.of("\"sale\"", "\"Order Completed\"", "1999", "\"12.50\"", "0.1", "\"2024-01-01T00:00:00Z\"",
        "\"2024-07-01 12:00:00\"", "\"2024-03-31 02:30:00\"", "\"01.07.2024 12:00 +02:00\"", "\"20240101000000\"", "1704067200",
        "1704067200123", "\"1704067200\"", "\"t-1\"", "42", "\"2024-10-27T02:30:00\"");
  }

  /** Any characters, NUL and lone surrogates included, and strings that look almost like numbers or times. */
  private Arbitrary<String> hostileStrings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().withChars('\u0000', '\uD800', '\uDC00', '\uFFFF', 'é', '\u202E', '1', 'e', '.', ':', '-').ofMaxLength(24),
        Arbitraries.of("NaN", "Infinity", "-Infinity", "1,200", "$5", "", " ", "0x10", "2024-01-01T00:00:00\u0000Z",
            "2024-01-01T00:00:00+25:00", "+999999999-12-31T23:59:59Z", "٣"),
        Arbitraries.strings().alpha().ofMinLength(100).ofMaxLength(3000));
  }

  private Arbitrary<String> pointer() {
    return Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just("")), Tuple.of(3, Arbitraries.of(POINTERS)));
  }

  private static void putIfPresent(ObjectNode node, String name, String value) {
    if (!value.isEmpty()) {
      node.put(name, value);
    }
  }
}
