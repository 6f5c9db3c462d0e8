package dev.tally.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Another Tally process from the packaged jar, against the same database, as a second replica would be.
 * Only for integration tests (the jar exists after {@code package}). Stopped with SIGTERM on close.
 */
public final class SecondInstance implements AutoCloseable {

  private final Process process;
  private final int port;
  private final int managementPort;
  private final Path log;

  private SecondInstance(Process process, int port, int managementPort, Path log) {
    this.process = process;
    this.port = port;
    this.managementPort = managementPort;
    this.log = log;
  }

  /** Starts the packaged application with extra environment variables and waits until it is ready. */
  public static SecondInstance start(Map<String, String> environment, Duration timeout) throws IOException, InterruptedException {
    Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: run the packaging phase first");
    }
    int port = freePort();
    int managementPort = freePort();
    Path log = Files.createTempFile("tally-second-instance", ".log");
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(TestDatabase.environment());
    builder.environment().putAll(environment);
    builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
    // Its own management port (health): the first instance already holds the default one.
    builder.environment().put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort));
    builder.environment().putIfAbsent("TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY", AdminKey.KEY);
    SecondInstance instance = new SecondInstance(builder.start(), port, managementPort, log);
    instance.awaitReady(timeout);
    return instance;
  }

  public int port() {
    return port;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    try {
      await("the second instance ready").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(this::ready);
    } catch (ConditionTimeoutException notReady) {
      close();
      throw new IllegalStateException("second instance not ready within " + timeout + ": " + Files.readString(log));
    }
  }

  /** Whether it answers ready; an instance that exited ends the wait at once, with its log. */
  private boolean ready() throws IOException {
    if (!process.isAlive()) {
      throw new IllegalStateException("second instance exited: " + Files.readString(log));
    }
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create("http://localhost:" + managementPort + "/q/health/ready").toURL().openConnection();
      connection.setConnectTimeout(500);
      connection.setReadTimeout(2000);
      return connection.getResponseCode() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    File file = log.toFile();
    if (!file.delete()) {
      file.deleteOnExit();
    }
  }
}
