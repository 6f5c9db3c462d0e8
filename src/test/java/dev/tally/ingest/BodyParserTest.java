package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.platform.PayloadTooLargeException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class BodyParserTest {

  private static final int MAX_BATCH = 3;
  private static final int MAX_DEPTH = 8;
  private static final String NDJSON = "application/x-ndjson";

  private final BodyParser parser = new BodyParser(MAX_BATCH, MAX_DEPTH, 1_000, 1_000);

  @Test
  void oneObjectIsASingleElementWithItsExactBytes() {
    ParsedBody.Single single = (ParsedBody.Single) parse(" \n{\"a\": 1, \"b\": \"x\"}\n ", "application/json");

    assertThat(single.element().parsed()).isTrue();
    assertThat(single.element().event().json().get("b").textValue()).isEqualTo("x");
    assertThat(text(single.element().raw())).isEqualTo("{\"a\": 1, \"b\": \"x\"}");
    assertThat(single.element().jsonbSafe()).isTrue();
  }

  @Test
  void aMissingOrWrongContentTypeStillParsesJson() {
    assertThat(parse("{\"a\":1}", null)).isInstanceOf(ParsedBody.Single.class);
    assertThat(parse("[{\"a\":1}]", "text/plain")).isInstanceOf(ParsedBody.Batch.class);
  }

  @Test
  void anArrayIsABatchInOrder() {
    ParsedBody.Batch batch = (ParsedBody.Batch) parse("[{\"n\":1},{\"n\":2},{\"n\":3}]", "application/json");

    assertThat(batch.elements()).extracting(e -> e.event().json().get("n").intValue()).containsExactly(1, 2, 3);
  }

  @Test
  void anEmptyArrayIsAnEmptyBatch() {
    assertThat(((ParsedBody.Batch) parse(" [ ] ", null)).elements()).isEmpty();
  }

  @Test
  void eachArrayElementKeepsExactlyItsOwnSliceOfTheInput() {
    String body = "[ {\"a\" : 1.50 } ,\"x\\\"y\"\n,-0.0e+1,true,null,[1, 2],{\"s\":\"é€😀\"}\t]";
    ParsedBody.Batch batch = (ParsedBody.Batch) new BodyParser(100, MAX_DEPTH, 1_000, 1_000)
        .parse(body.getBytes(StandardCharsets.UTF_8), "application/json");

    assertThat(batch.elements()).extracting(e -> text(e.raw())).containsExactly(
        "{\"a\" : 1.50 }", "\"x\\\"y\"", "-0.0e+1", "true", "null", "[1, 2]", "{\"s\":\"é€😀\"}");
  }

  @Test
  void ndjsonLinesAreABatchSkippingBlankLinesAndAcceptingCrlf() {
    String body = "{\"n\":1}\r\n\n   \n\t\r\n{\"n\":2}\n{\"n\":3}";
    ParsedBody.Batch batch = (ParsedBody.Batch) parse(body, NDJSON);

    assertThat(batch.elements()).extracting(e -> e.event().json().get("n").intValue()).containsExactly(1, 2, 3);
    assertThat(text(batch.elements().get(0).raw())).isEqualTo("{\"n\":1}");
  }

  @Test
  void oneMalformedNdjsonLineDoesNotSpoilItsNeighbours() {
    ParsedBody.Batch batch = (ParsedBody.Batch) parse("{\"n\":1}\n{\"n\":\n{\"n\":3}\n", NDJSON);

    List<ParsedBody.Element> elements = batch.elements();
    assertThat(elements).hasSize(3);
    assertThat(elements.get(0).parsed()).isTrue();
    assertThat(elements.get(1).parsed()).isFalse();
    assertThat(elements.get(1).error()).isNotBlank();
    assertThat(text(elements.get(1).raw())).isEqualTo("{\"n\":");
    assertThat(elements.get(1).jsonbSafe()).isFalse();
    assertThat(elements.get(2).event().json().get("n").intValue()).isEqualTo(3);
  }

  @Test
  void anNdjsonLineWithTwoValuesIsUnparseable() {
    ParsedBody.Batch batch = (ParsedBody.Batch) parse("{\"n\":1} {\"n\":2}\n", NDJSON);

    assertThat(batch.elements()).singleElement().satisfies(e -> assertThat(e.parsed()).isFalse());
  }

  @Test
  void anNdjsonLineThatIsNotAnObjectStillParsesForNormalizationToReject() {
    ParsedBody.Batch batch = (ParsedBody.Batch) parse("42\n", NDJSON);

    assertThat(batch.elements()).singleElement().satisfies(e -> assertThat(e.event().json().isNumber()).isTrue());
  }

  @Test
  void anEmptyNdjsonBodyIsAnEmptyBatch() {
    assertThat(((ParsedBody.Batch) parse("\n\n", NDJSON)).elements()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/x-ndjson", "application/x-ndjson; charset=utf-8", "APPLICATION/NDJSON",
      " application/jsonl ", "application/x-jsonlines"})
  void ndjsonContentTypesAreRecognised(String contentType) {
    assertThat(BodyParser.isNdjson(contentType)).isTrue();
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"application/json", "text/plain", "", "application/x-ndjson-ish"})
  void otherContentTypesAreNotNdjson(String contentType) {
    assertThat(BodyParser.isNdjson(contentType)).isFalse();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "42", "\"text\"", "true", "null", // a scalar body is not an event or a batch
      "", "   \n ", // empty
      "{\"a\":1} x", "{\"a\":1}{\"b\":2}", "[1] ]", // trailing data
      "{\"a\":1", "[{\"a\":1},", "{\"a\":\"unterminated", "[", // truncated
      "hello", "{'a':1}", "{\"a\":NaN}", "{\"a\":01}", "{\"a\":1,}", "{a:1}", // not JSON
      "{\"amount\":1e9999999999}", "{\"amount\":0e-2147483648}" // exponent beyond any BigDecimal
  })
  void bodiesThatAreNotAnObjectOrArrayOfJsonAreUnparseable(String body) {
    ParsedBody parsed = parse(body, "application/json");

    assertThat(parsed).isInstanceOf(ParsedBody.Unparseable.class);
    assertThat(((ParsedBody.Unparseable) parsed).message()).isNotBlank();
  }

  @Test
  void aUtf16BodyIsUnparseableRatherThanACrash() {
    assertThat(parser.parse("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), null)).isInstanceOf(ParsedBody.Unparseable.class);
    assertThat(parser.parse("[{\"a\":1}]".getBytes(StandardCharsets.UTF_16), null)).isInstanceOf(ParsedBody.Unparseable.class);
  }

  @Test
  void invalidUtf8IsUnparseable() {
    byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};

    assertThat(parser.parse(body, null)).isInstanceOf(ParsedBody.Unparseable.class);
  }

  @Test
  void aBatchAtTheSizeLimitParses() {
    assertThat(((ParsedBody.Batch) parse("[1,2,3]", null)).elements()).hasSize(MAX_BATCH);
    assertThat(((ParsedBody.Batch) parse("1\n2\n\n\n3\n", NDJSON)).elements()).hasSize(MAX_BATCH);
  }

  @Test
  void anArrayOverTheSizeLimitIsTooLarge() {
    assertThatThrownBy(() -> parse("[1,2,3,4]", null)).isInstanceOf(PayloadTooLargeException.class);
  }

  @Test
  void ndjsonOverTheSizeLimitIsTooLarge() {
    assertThatThrownBy(() -> parse("1\n2\n3\n4\n", NDJSON)).isInstanceOf(PayloadTooLargeException.class);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      NUL in a string                   | {"a":"x\\u0000y"}
      NUL in a key                      | {"\\u0000":1}
      NUL in a nested string            | {"a":[{"b":"\\u0000"}]}
      duplicate top-level key           | {"a":1,"a":2}
      duplicate nested key              | {"m":{"a":1,"a":1}}
      lone high surrogate               | {"a":"\\ud800"}
      lone low surrogate                | {"a":"\\udc00"}
      surrogates in the wrong order     | {"a":"\\ude00\\ud83d"}
      number with 200001 integer digits | {"a":1e200000}
      number with 16384 fraction digits | {"a":1e-16384}
      """)
  void whatJsonbCannotHoldFaithfullyIsMarkedNotJsonbSafe(String what, String body) {
    ParsedBody.Single single = (ParsedBody.Single) parse(body, null);

    assertThat(single.element().parsed()).isTrue();
    assertThat(single.element().jsonbSafe()).isFalse();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      plain                              | {"a":"x","b":[1,2.5,true,null]}
      escaped surrogate pair             | {"a":"\\ud83d\\ude00"}
      literal emoji                      | {"a":"😀"}
      escaped controls other than NUL   | {"a":"\\u0001\\t\\n"}
      same key in sibling objects        | {"a":{"k":1},"b":{"k":2}}
      large but storable number          | {"a":1e100000}
      """)
  void ordinaryJsonIsJsonbSafe(String what, String body) {
    assertThat(((ParsedBody.Single) parse(body, null)).element().jsonbSafe()).isTrue();
  }

  @Test
  void onlyTopLevelDuplicateKeysAreReportedEachOnce() {
    ParsedBody.Single single = (ParsedBody.Single) parse("{\"a\":1,\"b\":1,\"a\":2,\"a\":3,\"b\":2,\"m\":{\"c\":1,\"c\":2}}", null);

    assertThat(single.element().event().duplicateKeys()).containsExactly("a", "b");
  }

  @Test
  void oneUnsafeElementDoesNotMarkItsNeighbours() {
    ParsedBody.Batch batch = (ParsedBody.Batch) parse("[{\"a\":1},{\"a\":\"\\u0000\"},{\"a\":3}]", null);

    assertThat(batch.elements()).extracting(ParsedBody.Element::jsonbSafe).containsExactly(true, false, true);
  }

  @Test
  void nestingUpToTheLimitParsesAndDeeperIsUnparseable() {
    assertThat(parse(nested(MAX_DEPTH), null)).isInstanceOf(ParsedBody.Single.class);
    assertThat(parse(nested(MAX_DEPTH + 1), null)).isInstanceOf(ParsedBody.Unparseable.class);
    assertThat(((ParsedBody.Batch) parse(nested(MAX_DEPTH + 1), NDJSON)).elements())
        .singleElement().satisfies(e -> assertThat(e.parsed()).isFalse());
  }

  @Test
  void numbersKeepTheirExactDecimalValueAndScale() {
    JsonNode json = ((ParsedBody.Single) parse("{\"a\":0.10,\"b\":1E+3,\"c\":12345678901234567890123,\"d\":0.1}", null))
        .element().event().json();

    assertThat(json.get("a").isBigDecimal()).isTrue();
    assertThat(json.get("a").decimalValue()).isEqualTo(new BigDecimal("0.10")); // equals: the scale counts too
    assertThat(json.get("b").decimalValue()).isEqualTo(new BigDecimal("1E+3"));
    assertThat(json.get("c").bigIntegerValue()).isEqualTo(new BigInteger("12345678901234567890123"));
    assertThat(json.get("d").decimalValue().toPlainString()).isEqualTo("0.1");
  }

  @Test
  void parseElementReadsOneStoredElementAgain() {
    ParsedBody.Element element = parser.parseElement(bytes("{\"a\":1,\"a\":2}"));

    assertThat(element.parsed()).isTrue();
    assertThat(element.event().duplicateKeys()).containsExactly("a");
    assertThat(element.jsonbSafe()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "{\"a\":1} {\"b\":2}", "{\"a\":", "not json"})
  void parseElementMarksTextThatIsNotOneJsonValueUnparseable(String raw) {
    ParsedBody.Element element = parser.parseElement(bytes(raw));

    assertThat(element.parsed()).isFalse();
    assertThat(element.error()).isNotBlank();
    assertThat(element.raw()).isEqualTo(bytes(raw));
  }

  /**
   * Broken bodies of every kind a parser can meet: the message says what is wrong in the client's terms, with the
   * line and column, and nothing of the parser's internals (Jackson's source description, feature and class names,
   * its bracketed location).
   */
  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      object not closed                  | application/json     | {"a":1
      array not closed                   | application/json     | [{"a":1},
      string not closed                  | application/json     | {"a":"unterminated
      name not closed                    | application/json     | {"a
      missing colon                      | application/json     | {"a" 1}
      missing comma in object            | application/json     | {"a":1 "b":2}
      missing comma in array             | application/json     | [1 2]
      unquoted name                      | application/json     | {a:1}
      single quotes                      | application/json     | {'a':1}
      misspelt literal                   | application/json     | {"a":tru}
      bare word                          | application/json     | hello
      NaN                                | application/json     | {"a":NaN}
      leading zero                       | application/json     | {"a":01}
      bare minus                         | application/json     | {"a":-}
      dot without digits                 | application/json     | {"a":1.}
      trailing comma                     | application/json     | {"a":1,}
      wrong closing bracket              | application/json     | {"a":1]
      closing bracket first              | application/json     | ]
      bad escape                         | application/json     | {"a":"\\q"}
      trailing data                      | application/json     | {"a":1} x
      two objects                        | application/json     | {"a":1}{"b":2}
      exponent out of range              | application/json     | {"a":1e9999999999}
      too deep                           | application/json     | [[[[[[[[[[1]]]]]]]]]]
      too long a string                  | application/json     | {"a":"${long}"}
      too long a number                  | application/json     | {"a":${digits}}
      control character in a string      | application/json     | {"a":"x${ctrl}y"}
      NUL before the body                | application/json     | ${nul}{"a":1}
      NUL between values                 | application/json     | {"a":1,${nul}"b":2}
      second line                        | application/json     | {"a":1,\\n "b":}
      broken NDJSON line                 | application/x-ndjson | `{"a":`
      NDJSON line with trailing data     | application/x-ndjson | {"a":1} 2
      """)
  void messagesForBrokenBodiesSayWhatIsWrongWithLineAndColumnAndNoParserInternals(String what, String type, String template) {
    String body = template.replace("${long}", "x".repeat(1_001)).replace("${digits}", "1".repeat(1_001))
        .replace("${ctrl}", String.valueOf((char) 1)).replace("${nul}", String.valueOf((char) 0)).replace("\\n", "\n");
    ParsedBody parsed = parse(body, type);

    String message = parsed instanceof ParsedBody.Unparseable unparseable
        ? unparseable.message()
        : ((ParsedBody.Batch) parsed).elements().get(0).error();
    assertThat(message).as(what).isNotNull()
        .doesNotContain("Source:", "StreamReadFeature", "REDACTED", "[", "com.fasterxml", "java.", "Jackson", "JsonToken",
            "StreamReadConstraints", "JsonParser", "(code ", "CTRL-CHAR")
        .containsPattern("line \\d+, column \\d+");
    assertThat(message).as(what).doesNotContainPattern("\\b[A-Z][a-z]+[A-Z][A-Za-z]*\\.[a-z][A-Za-z]*\\(");
  }

  @Test
  void messagesForBrokenBodiesNameTheLineAndColumnWhereTheProblemIs() {
    String message = ((ParsedBody.Unparseable) parse("{\"a\":1,\n  \"b\": }", "application/json")).message();

    assertThat(message).contains("line 2, column 8");
  }

  @Test
  void invalidUtf8AndUtf16AreNamedAsSuch() {
    byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};

    assertThat(((ParsedBody.Unparseable) parser.parse(body, null)).message()).contains("UTF-8").contains("line 1, column");
    assertThat(((ParsedBody.Unparseable) parser.parse("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), null)).message())
        .contains("UTF-8");
  }

  private ParsedBody parse(String body, String contentType) {
    return parser.parse(bytes(body), contentType);
  }

  private static String nested(int depth) {
    return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] raw) {
    return new String(raw, StandardCharsets.UTF_8);
  }
}
