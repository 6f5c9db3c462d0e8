package dev.tally.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's settings table is what {@link ConfigurationDoc} renders from TallyConfig's Javadoc. A setting
 * added, renamed, re-defaulted or re-documented in code fails this test until the page is regenerated.
 */
class ConfigurationDocTest {

  @Test
  void theSettingsTableIsGeneratedFromTallyConfig() throws IOException {
    String page = Files.readString(ConfigurationDoc.PAGE);
    String rendered = ConfigurationDoc.render(Files.readString(ConfigurationDoc.SOURCE));
    if (Boolean.getBoolean("tally.docs.write")) {
      Files.writeString(ConfigurationDoc.PAGE, ConfigurationDoc.replaceBlock(page, rendered), StandardCharsets.UTF_8);
      page = Files.readString(ConfigurationDoc.PAGE);
    }
    assertThat(ConfigurationDoc.currentBlock(page))
        .as("docs/configuration.md differs from TallyConfig's Javadoc; regenerate it with: " + ConfigurationDoc.REGENERATE)
        .isEqualTo(rendered);
  }

  @Test
  void nestingMethodNamesDefaultsAndJavadocBecomeRows() {
    String source = """
        @ConfigMapping(prefix = "tally")
        public interface TallyConfig {
          Ingest ingest();
          Security security();

          interface Ingest {
            /** Largest body; a larger one is {@code 413}. */
            @WithDefault("1048576")
            int maxBodyBytes();
          }

          interface Security {
            /**
             * An admin key
             * installed at startup.
             */
            Optional<String> bootstrapAdminKey();

            RateLimit rateLimit();
          }

          interface RateLimit {
            /** Requests per second | per key. */
            @WithDefault("100")
            int requestsPerSecond();
          }
        }
        """;
    assertThat(ConfigurationDoc.settings(source)).containsExactly(
        new ConfigurationDoc.Setting("tally.ingest.max-body-bytes", "1048576", "Largest body; a larger one is `413`."),
        new ConfigurationDoc.Setting("tally.security.bootstrap-admin-key", null, "An admin key installed at startup."),
        new ConfigurationDoc.Setting("tally.security.rate-limit.requests-per-second", "100", "Requests per second | per key."));
    assertThat(ConfigurationDoc.render(source))
        .contains("| `tally.security.rate-limit.requests-per-second` | `TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND` | `100` | Requests per second \\| per key. |")
        .contains("| `tally.security.bootstrap-admin-key` | `TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY` | none |");
  }
}
