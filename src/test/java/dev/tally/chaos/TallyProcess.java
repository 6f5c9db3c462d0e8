package dev.tally.chaos;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/** Tally from the packaged jar, started, killed with SIGKILL or stopped with SIGTERM, and started again. */
final class TallyProcess implements AutoCloseable {

  private final Path jar;
  private final Path logDir;
  private final int port;
  private final int managementPort;
  private final Map<String, String> environment;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1)).build();
  private Process process;
  private int starts;

  TallyProcess(Path jar, Path logDir, int port, int managementPort, Map<String, String> environment) {
    this.jar = jar;
    this.logDir = logDir;
    this.port = port;
    this.managementPort = managementPort;
    this.environment = environment;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  synchronized void start() throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString())
        .redirectErrorStream(true)
        .redirectOutput(logDir.resolve("tally-" + (++starts) + ".log").toFile());
    builder.environment().putAll(environment);
    builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
    builder.environment().put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort));
    process = builder.start();
  }

  /** Waits until /q/health/ready (on the management port) answers 200; false when the deadline passes or the process dies. */
  boolean awaitReady(Duration timeout) {
    try {
      await().atMost(timeout).until(() -> !alive() || readiness() == 200);
      return alive();
    } catch (ConditionTimeoutException notReady) {
      return false;
    }
  }

  /** The status of GET /q/health/ready, or -1 when nothing answers. */
  int readiness() {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** kill -9: no shutdown hook, no drain, in-flight requests and transactions are cut off. */
  synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the graceful path; returns the process so the caller can watch it exit. */
  synchronized Process terminate() {
    process.destroy();
    return process;
  }

  int starts() {
    return starts;
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (alive()) {
      process.destroy();
      if (!process.waitFor(40, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
