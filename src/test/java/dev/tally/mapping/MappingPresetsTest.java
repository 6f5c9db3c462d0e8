package dev.tally.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.normalize.FieldError;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * Presets expand into ordinary definitions before validation, one row per case in
 * {@code mapping/preset-expansions.csv}: what is stored, or every problem named.
 */
class MappingPresetsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0}")
  @CsvFileSource(resources = "/mapping/preset-expansions.csv", delimiterString = "|", quoteCharacter = '`')
  void presetsExpandIntoOrdinaryDefinitions(String name, String definition, String outcome) throws Exception {
    MappingValidator.Result result = MappingValidator.validate(JSON.readTree(definition));

    if (outcome.startsWith("stored ")) {
      assertThat(result).as(name).isInstanceOf(MappingValidator.Valid.class);
      MappingDefinition stored = ((MappingValidator.Valid) result).definition();
      assertThat(JSON.writeValueAsString(stored)).as(name).isEqualTo(outcome.substring("stored ".length()));
    } else {
      assertThat(result).as(name).isInstanceOf(MappingValidator.Invalid.class);
      List<FieldError> errors = ((MappingValidator.Invalid) result).errors();
      assertThat(errors).as(name).extracting(e -> (e.field() == null ? "-" : e.field()) + ":" + e.code())
          .containsExactlyInAnyOrderElementsOf(Arrays.asList(outcome.substring("invalid ".length()).strip().split("\\s+")));
      assertThat(errors).allSatisfy(e -> assertThat(e.message()).isNotBlank());
    }
  }

  @Test
  void theExpansionKeepsNoTraceOfThePresetSoAnEquivalentPlainDefinitionIsTheSameVersion() throws Exception {
    JsonNode preset = JSON.readTree("{\"preset\":\"segment\",\"fields\":{\"amount\":\"/properties/revenue\"}}");
    JsonNode plain = JSON.readTree("{\"timestampFormat\":\"iso8601\",\"metricFormat\":\"snake_case\",\"fields\":{\"timestamp\":\"/timestamp\","
        + "\"eventId\":\"/messageId\",\"metric\":\"/event\",\"amount\":\"/properties/revenue\"}}");

    assertThat(((MappingValidator.Valid) MappingValidator.validate(preset)).definition())
        .isEqualTo(((MappingValidator.Valid) MappingValidator.validate(plain)).definition());
    assertThat(JSON.writeValueAsString(((MappingValidator.Valid) MappingValidator.validate(preset)).definition()))
        .doesNotContain("preset");
  }

  @Test
  void errorMessagesNameTheKnownPresetsAndGiveAnExamplePointer() throws Exception {
    List<FieldError> unknown = ((MappingValidator.Invalid) MappingValidator.validate(
        JSON.readTree("{\"preset\":\"mixpanel\"}"))).errors();
    assertThat(unknown).singleElement().satisfies(e -> assertThat(e.message())
        .isEqualTo("\"mixpanel\" is not a preset; known presets: posthog, rudderstack, segment, snowplow"));

    List<FieldError> noAmount = ((MappingValidator.Invalid) MappingValidator.validate(
        JSON.readTree("{\"preset\":\"posthog\"}"))).errors();
    assertThat(noAmount).singleElement().satisfies(e -> assertThat(e.message())
        .contains("posthog preset needs fields.amount")
        .contains("{\"preset\": \"posthog\", \"fields\": {\"amount\": \"/properties/revenue\"}}"));
  }

  @Test
  void aLongUnknownPresetNameIsQuotedCutWithoutSplittingACharacter() throws Exception {
    String name = "x".repeat(78) + "\uD83D\uDE00\uD83D\uDE00";
    List<FieldError> errors = ((MappingValidator.Invalid) MappingValidator.validate(
        JSON.readTree("{\"preset\":\"" + name + "\",\"fields\":{\"amount\":\"/p\"}}"))).errors();

    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.message()).startsWith("\"" + "x".repeat(78) + "…");
      assertThat(e.message().codePoints().filter(cp -> Character.isSurrogate((char) cp))).as("no half of a surrogate pair").isEmpty();
    });
  }

  @Test
  void theOpenApiExamplesShowThePresetsAsServed() throws Exception {
    assertThat(JSON.readTree(MappingExamples.PRESET)).isEqualTo(JSON.valueToTree(MappingPresets.named("segment").orElseThrow()));
    for (JsonNode item : JSON.readTree(MappingExamples.PRESETS).get("items")) {
      MappingPreset served = MappingPresets.named(item.get("name").textValue()).orElseThrow();
      assertThat(item.get("definition")).as(served.name()).isEqualTo(JSON.valueToTree(served.definition()));
    }
  }

  @Test
  void everyListedPresetIsValidOnceGivenAnAmountAndItsExampleIsTheNoteItself() throws Exception {
    assertThat(MappingPresets.all()).extracting(MappingPreset::name).containsExactly("posthog", "rudderstack", "segment", "snowplow");
    for (MappingPreset preset : MappingPresets.all()) {
      assertThat(preset.definition().fields()).as(preset.name()).doesNotContainKey("amount");
      String example = preset.note().substring(preset.note().indexOf('{'));
      MappingValidator.Result result = MappingValidator.validate(JSON.readTree(example));
      assertThat(result).as(preset.name()).isInstanceOf(MappingValidator.Valid.class);
      assertThat(((MappingValidator.Valid) result).definition().fields())
          .containsAllEntriesOf(preset.definition().fields())
          .containsEntry("amount", preset.name().equals("snowplow") ? "/self_describing/data/total" : "/properties/revenue");
    }
  }
}
