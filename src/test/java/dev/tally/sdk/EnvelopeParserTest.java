package dev.tally.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.ingest.JsonReader;
import dev.tally.ingest.ParsedBody;
import dev.tally.platform.PayloadTooLargeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SDKs' envelope as parsed: the batch's messages each with their exact bytes, the envelope's other members and
 * whether jsonb can hold them, every other body parsed as POST /events parses it, and a clear reason for an
 * envelope that cannot be read.
 */
class EnvelopeParserTest {

  private static final int MAX_BATCH = 3;
  private static final EnvelopeParser PARSER = new EnvelopeParser(new JsonReader(MAX_BATCH, 8, 1_000, 1_000));

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      # body                                                   | messages, each as sent   | other members  | members jsonb-safe
      {"batch":[{"a":1},{"b":2}],"sentAt":"t"}                 | {"a":1} {"b":2}          | sentAt         | true
      {"writeKey":"k", "batch": [ {"a" : 1.50 } ,{"b":1e2} ] } | {"a" : 1.50 } {"b":1e2}  | writeKey       | true
      {"batch":[]}                                             |                          |                | true
      {"context":{"n":0.10},"sentAt":"t","batch":[{"a":1}]}    | {"a":1}                  | context sentAt | true
      {"sentAt":"\\u0000","batch":[{"a":1}]}                   | {"a":1}                  | sentAt         | false
      {"context":{"c":1,"c":2},"batch":[{"a":1}]}              | {"a":1}                  | context        | false
      {"x":"\\ud800","batch":[{"a":1}]}                        | {"a":1}                  | x              | false
      {"s\\u0000":1,"batch":[{"a":1}]}                         | {"a":1}                  | s\\u0000       | false
      {"sentAt":1e999999,"batch":[{"a":1}]}                    | {"a":1}                  | sentAt         | false
      {"batch":[{"a":"\\u0000"}],"sentAt":"t"}                 | {"a":"\\u0000"}          | sentAt         | true
      """)
  void anObjectWithABatchArrayIsAnEnvelope(String body, String messages, String members, boolean membersJsonbSafe) {
    SdkBody.Enveloped enveloped = (SdkBody.Enveloped) parse(body, "application/json");

    assertThat(enveloped.elements()).extracting(e -> new String(e.raw(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(messages == null ? List.of() : List.of(messages.split(" (?=\\{)")));
    assertThat(enveloped.elements()).allSatisfy(e -> assertThat(e.parsed()).isTrue());
    assertThat(enveloped.members().fieldNames()).toIterable()
        .containsExactlyElementsOf(members == null ? List.of() : List.of(members.replace("\\u0000", "\0").split(" ")));
    assertThat(enveloped.membersJsonbSafe()).isEqualTo(membersJsonbSafe);
  }

  @ParameterizedTest(name = "{0} ({1})")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      # body                                  | content type         | parsed as
      {"type":"track","event":"e"}            | application/json     | Single
      {"batch":"x","batch":[]}                | application/x-ndjson | Batch
      [{"a":1},{"batch":[]}]                  | application/json     | Batch
      {"batch":[{"a":1}]}                     | application/x-ndjson | Batch
      {"events":[{"a":1}]}                    |                      | Single
      "a string"                              | application/json     | Unparseable
      """)
  void anyOtherBodyIsParsedAsPostEventsParsesIt(String body, String contentType, String parsedAs) {
    SdkBody.Bare bare = (SdkBody.Bare) parse(body, contentType);

    assertThat(bare.body().getClass().getSimpleName()).isEqualTo(parsedAs);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', textBlock = """
      # body                                  | why it cannot be read
      {"batch":{"type":"track"}}              | the member "batch" must be an array of events, but it is a JSON start_object
      {"batch":"x"}                           | the member "batch" must be an array of events, but it is a JSON string
      {"batch":[],"batch":[]}                 | the member "batch" appears twice; which one was meant cannot be told
      {"sentAt":1,"sentAt":2,"batch":[]}      | the member "sentAt" appears twice; which one was meant cannot be told
      {"batch":[]} {}                         | unexpected data after the JSON value (line 1, column 14)
      {"batch": [ oops                        | the body is not valid JSON: unexpected word 'oops'
      """)
  void anEnvelopeThatCannotBeReadSaysWhy(String body, String why) {
    SdkBody.Bare bare = (SdkBody.Bare) parse(body, "application/json");

    assertThat(((ParsedBody.Unparseable) bare.body()).message()).startsWith(why);
  }

  @Test
  void theBatchLimitHoldsInsideTheEnvelope() {
    assertThat(((SdkBody.Enveloped) parse("{\"batch\":[1,2,3]}", null)).elements()).hasSize(MAX_BATCH);
    assertThatThrownBy(() -> parse("{\"batch\":[1,2,3,4]}", null))
        .isInstanceOf(PayloadTooLargeException.class).hasMessageContaining("more than " + MAX_BATCH + " events");
  }

  private static SdkBody parse(String body, String contentType) {
    return PARSER.parse(body.getBytes(StandardCharsets.UTF_8), contentType);
  }
}
