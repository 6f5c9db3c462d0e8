package dev.tally.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.TimestampFormat;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Mapping definitions are validated once, when saved, and every problem is named. */
class MappingValidatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0}")
  @CsvFileSource(resources = "/mapping/invalid-definitions.csv", delimiterString = "|", quoteCharacter = '`')
  void invalidDefinitionsNameEveryProblem(String definition, String expected) throws Exception {
    MappingValidator.Result result = MappingValidator.validate(JSON.readTree(definition));

    assertThat(result).isInstanceOf(MappingValidator.Invalid.class);
    List<String> errors = ((MappingValidator.Invalid) result).errors().stream()
        .map(e -> (e.field() == null ? "-" : e.field()) + ":" + e.code()).toList();
    assertThat(errors).containsExactlyInAnyOrderElementsOf(Arrays.asList(expected.strip().split("\\s+")));
    assertThat(((MappingValidator.Invalid) result).errors()).allSatisfy(e -> assertThat(e.message()).isNotBlank());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "{}",
      "{\"fields\":{\"amount\":\"/price\",\"timestamp\":\"/meta/ts\",\"metric\":\"/event\",\"eventId\":\"/txn\"}}",
      "{\"fields\":{\"amount\":\"/a~1b/~0c/0\"}}",
      "{\"timestampFormat\":\"iso8601\",\"timezone\":\"Europe/Berlin\"}",
      "{\"timestampFormat\":\"epochSeconds\"}",
      "{\"timestampFormat\":\"epochMillis\",\"amountScale\":0}",
      "{\"timestampFormat\":\"pattern:yyyy-MM-dd HH:mm:ss\",\"timezone\":\"America/New_York\",\"amountScale\":18}",
      "{\"timestampFormat\":\"pattern:dd.MM.uuuu HH:mm:ss.SSSXXX\"}",
      "{\"fields\":null,\"timezone\":null}"})
  void validDefinitionsCompile(String definition) throws Exception {
    MappingValidator.Result result = MappingValidator.validate(JSON.readTree(definition));

    assertThat(result).isInstanceOf(MappingValidator.Valid.class);
    Mapping mapping = ((MappingValidator.Valid) result).definition().compile(3);
    assertThat(mapping.version()).isEqualTo(3);
  }

  @org.junit.jupiter.api.Test
  void definitionsAreStoredInOneCanonicalForm() throws Exception {
    JsonNode a = JSON.readTree("{\"timezone\":\"UTC\",\"fields\":{\"metric\":\"/e\",\"amount\":\"/p\"},\"amountScale\":2}");
    JsonNode b = JSON.readTree("{\"amountScale\":2,\"fields\":{\"amount\":\"/p\",\"metric\":\"/e\"},\"timezone\":\"UTC\",\"timestampFormat\":null}");

    MappingDefinition first = ((MappingValidator.Valid) MappingValidator.validate(a)).definition();
    MappingDefinition second = ((MappingValidator.Valid) MappingValidator.validate(b)).definition();

    assertThat(JSON.writeValueAsString(first)).isEqualTo(JSON.writeValueAsString(second))
        .isEqualTo("{\"fields\":{\"amount\":\"/p\",\"metric\":\"/e\"},\"timezone\":\"UTC\",\"amountScale\":2}");
    Mapping mapping = first.compile(1);
    assertThat(mapping.timezone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(mapping.timestampFormat()).isEqualTo(TimestampFormat.AUTO);
    assertThat(mapping.pointer("amount").toString()).isEqualTo("/p");
  }
}
