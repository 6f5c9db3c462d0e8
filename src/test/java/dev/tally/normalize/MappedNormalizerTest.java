package dev.tally.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.ingest.BodyParser;
import dev.tally.ingest.ParsedBody;
import dev.tally.mapping.MappingValidator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.aggregator.ArgumentsAccessor;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * Normalization under per-client mappings, one row per case in {@code normalize/mapped-cases.csv}: pointers,
 * amount scales, zones (with daylight saving time edges), patterns and pinned epoch units, and numbers whose
 * exponents no arithmetic should touch. Mappings go through the production validator, as when an operator saves
 * them. The timeout runs each row on its own thread: a row that builds 10^20000000 fails instead of hanging.
 */
class MappedNormalizerTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BodyParser parser = new BodyParser(1000, 64, 262_144, 1000);
  private final Normalizer normalizer = new Normalizer(Duration.ofHours(24));

  @ParameterizedTest(name = "{0}")
  @CsvFileSource(resources = "/normalize/mapped-cases.csv", numLinesToSkip = 1, delimiterString = "|", quoteCharacter = '`')
  @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void normalizesWithTheClientsMapping(ArgumentsAccessor row) throws Exception {
    String name = row.getString(0);
    MappingValidator.Result validated = MappingValidator.validate(JSON.readTree(row.getString(1)));
    assertThat(validated).as("%s: mapping %s", name, validated).isInstanceOf(MappingValidator.Valid.class);
    Mapping mapping = ((MappingValidator.Valid) validated).definition().compile(4);
    ParsedBody.Element element = parser.parseElement(NormalizerTest.expand(row.getString(2)).getBytes(StandardCharsets.UTF_8));

    Normalization outcome = normalizer.normalize(element.event(), mapping, NOW);

    assertThat(outcome.mappingVersion()).isEqualTo(4);
    NormalizerTest.assertOutcome(name, outcome, row.getString(3), row.size() > 4 ? row.getString(4) : null);
  }
}
