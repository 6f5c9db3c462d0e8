package dev.tally.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The LISTEN connection is opened with the datasource's own settings, not rebuilt from its URL: what the pool's
 * configuration says beyond the URL (here an application_name sent at connect, and the TLS mode) reaches it.
 * PostgreSQL itself shows the LISTEN backend with the configured application_name; rebuilt from the URL, it had
 * the driver's default name, and a TLS-only server would have refused it.
 */
@QuarkusTest
@TestProfile(ListenConnectionSettingsTest.Configured.class)
class ListenConnectionSettingsTest {

  static final String APPLICATION_NAME = "tally-listen-settings-check";

  public static class Configured implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.datasource.reactive.additional-properties.application_name", APPLICATION_NAME,
          // The tests' PostgreSQL may not offer TLS: "prefer" uses it where offered, and the option must arrive.
          "quarkus.datasource.reactive.postgresql.ssl-mode", "prefer",
          "quarkus.datasource.reactive.trust-all", "true");
    }
  }

  @Inject PoolSettings pool;

  @Test
  void theListenBackendCarriesTheDatasourcesSettings() {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(TestDb.count(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND query ILIKE 'LISTEN%'", APPLICATION_NAME))
        .isGreaterThanOrEqualTo(1));
  }

  @Test
  void theListenOptionsAreACopyOfThePoolsWithTheirTlsSettings() {
    PgConnectOptions options = pool.forListening().orElseThrow();
    assertThat(options.getSslMode()).isEqualTo(SslMode.PREFER);
    assertThat(options.isTrustAll()).isTrue();
    assertThat(options.getProperties()).containsEntry("application_name", APPLICATION_NAME);
    assertThat(options.getMetricsName()).isEqualTo("postgresql|listen");
    // A copy: changing it does not change what the pool connects with.
    options.setSslMode(SslMode.DISABLE);
    assertThat(pool.forListening().orElseThrow().getSslMode()).isEqualTo(SslMode.PREFER);
  }
}
