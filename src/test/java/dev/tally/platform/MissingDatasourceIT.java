package dev.tally.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packaged application has no database fallback: started without (all of) its datasource it stops at once
 * with a message naming the variables to set, instead of connecting somewhere by default. Runs the jar from the
 * packaging phase as a deployment would, with the datasource variables removed from its environment.
 */
class MissingDatasourceIT {

  @ParameterizedTest(name = "reactive URL set: {0} -> names {1}")
  @CsvSource({
      "false, QUARKUS_DATASOURCE_REACTIVE_URL and QUARKUS_DATASOURCE_JDBC_URL",
      "true,  QUARKUS_DATASOURCE_JDBC_URL (",
  })
  void startupStopsAndNamesTheMissingVariables(boolean reactiveSet, String named) throws Exception {
    Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
    assertThat(jar).as("run the packaging phase first").exists();
    Path log = Files.createTempFile("tally-missing-datasource", ".log");
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.remove(DatasourceUrls.REACTIVE_VARIABLE);
    env.remove(DatasourceUrls.JDBC_VARIABLE);
    if (reactiveSet) {
      env.put(DatasourceUrls.REACTIVE_VARIABLE, "postgresql://127.0.0.1:9/tally");
    }
    // Should it start after all (the defect this guards against), it must not collide with anything else here.
    env.put("QUARKUS_HTTP_PORT", "0");
    env.put("QUARKUS_MANAGEMENT_PORT", "0");
    Process process = builder.start();
    try {
      boolean exited = process.waitFor(60, TimeUnit.SECONDS);
      String output = Files.readString(log);
      assertThat(exited).as("the application stopped by itself; its output:%n%s", output).isTrue();
      assertThat(process.exitValue()).isNotZero();
      assertThat(output).contains("No PostgreSQL configured: set " + named)
          .contains("QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }
}
