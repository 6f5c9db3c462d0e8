package dev.tally.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.platform.DatasourceConfigSourceFactory.Decision;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where the database comes from: the configured one always; the embedded one only in dev mode with nothing set. */
class DatasourceDecisionTest {

  private static final String REACTIVE = "postgresql://db:5432/tally";
  private static final String JDBC = "jdbc:postgresql://db:5432/tally";

  @ParameterizedTest(name = "{0} reactive={1} jdbc={2} embedded={3} starting={4} -> {5}")
  @CsvSource({
      // profile, reactive, jdbc, embedded on class path, application starting, decision
      "dev,  -,   -,    true,  true,  START_EMBEDDED",
      "dev,  -,   -,    true,  false, START_EMBEDDED",
      "dev,  set, set,  true,  true,  USE_CONFIGURED",
      "dev,  set, -,    true,  true,  FAIL",
      "dev,  -,   set,  true,  true,  FAIL",
      "dev,  -,   -,    false, true,  FAIL",
      "test, -,   -,    true,  true,  USE_CONFIGURED",
      "test, set, -,    true,  true,  USE_CONFIGURED",
      "prod, set, set,  false, true,  USE_CONFIGURED",
      "prod, -,   -,    false, true,  FAIL",
      "prod, -,   -,    true,  true,  FAIL",
      "prod, set, -,    false, true,  FAIL",
      "prod, -,   set,  false, true,  FAIL",
      "prod, -,   -,    false, false, NOT_YET",
      "staging, -, -,   false, true,  FAIL",
  })
  void theConfiguredDatasourceWinsAndOnlyDevModeFallsBack(String profile, String reactive, String jdbc,
      boolean embedded, boolean starting, Decision expected) {
    Map<String, String> config = new HashMap<>();
    if (reactive.equals("set")) {
      config.put(DatasourceUrls.REACTIVE_PROPERTY, REACTIVE);
    }
    if (jdbc.equals("set")) {
      config.put(DatasourceUrls.JDBC_PROPERTY, JDBC);
    }
    DatasourceUrls urls = DatasourceUrls.read(config::get);
    assertThat(DatasourceConfigSourceFactory.decide(urls, List.of(profile), embedded, starting)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {"null", "''", "'   '"})
  void aBlankUrlIsNoUrl(String value) {
    Map<String, String> config = new HashMap<>();
    config.put(DatasourceUrls.REACTIVE_PROPERTY, value);
    config.put(DatasourceUrls.JDBC_PROPERTY, value);
    assertThat(DatasourceUrls.read(config::get).anyConfigured()).isFalse();
  }

  @Test
  void theMessageNamesWhatIsMissing() {
    DatasourceUrls none = DatasourceUrls.read(name -> null);
    assertThat(none.missingMessage())
        .contains("set QUARKUS_DATASOURCE_REACTIVE_URL and QUARKUS_DATASOURCE_JDBC_URL")
        .contains("QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");
    DatasourceUrls reactiveOnly = DatasourceUrls.read(Map.of(DatasourceUrls.REACTIVE_PROPERTY, REACTIVE)::get);
    assertThat(reactiveOnly.missingVariables()).isEqualTo(Arrays.asList("QUARKUS_DATASOURCE_JDBC_URL"));
    assertThat(reactiveOnly.missingMessage()).startsWith("No PostgreSQL configured: set QUARKUS_DATASOURCE_JDBC_URL (");
  }

  @Test
  void aDevProfileUrlInTheConfigurationFilesIsAConfiguredDatasource() {
    // As application.properties would hold them; were they not seen, the factory would start an embedded server.
    SmallRyeConfig config = new SmallRyeConfigBuilder()
        .withProfile("dev")
        .withSources(new PropertiesConfigSource(Map.of(
            "%dev." + DatasourceUrls.REACTIVE_PROPERTY, REACTIVE,
            "%dev." + DatasourceUrls.JDBC_PROPERTY, JDBC), "application.properties", 250))
        .withSources(new DatasourceConfigSourceFactory())
        .build();
    assertThat(config.getValue(DatasourceUrls.REACTIVE_PROPERTY, String.class)).isEqualTo(REACTIVE);
    assertThat(config.getValue(DatasourceUrls.JDBC_PROPERTY, String.class)).isEqualTo(JDBC);
    assertThat(System.getProperty(DatasourceUrls.JDBC_PROPERTY)).isNull();
  }
}
