package dev.tally.support;

import dev.tally.platform.DatasourceUrls;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The tests' database. A datasource configured from outside (QUARKUS_DATASOURCE_JDBC_URL and
 * QUARKUS_DATASOURCE_REACTIVE_URL or their -D properties, as .ci/run and the scripts under src/test set them) is
 * used as it is; the JDBC URL decides, because Flyway and {@link TestDb} need it (a test profile's reactive URL,
 * which Quarkus sets as a system property for that profile's run, does not count). Without one, an embedded
 * PostgreSQL starts once per test JVM, empty (a fresh temporary data directory), and every Quarkus start of the
 * run — @QuarkusTest in this JVM, @QuarkusIntegrationTest's packaged jar, which gets the returned properties as
 * -D arguments, a {@link SecondInstance} — and {@link TestDb} use the same database in it.
 *
 * <p>Global: registered here once for every test class. The server outlives the restarts between test profiles
 * and stops with the JVM.
 */
@WithTestResource(value = TestDatabase.class, scope = TestResourceScope.GLOBAL)
public final class TestDatabase implements QuarkusTestResourceLifecycleManager {

  private static final Logger LOG = Logger.getLogger(TestDatabase.class);
  static final String DATABASE = "tally_test";
  static final String USER = "postgres";

  /** Where the port of this JVM's embedded server is kept (see {@link #port()}); not under tally.*, which Tally maps. */
  private static final String PORT_PROPERTY = TestDatabase.class.getName() + ".port";

  @Override
  public Map<String, String> start() {
    DatasourceUrls outside = DatasourceUrls.fromSystem();
    if (outside.jdbc().isPresent()) {
      return Map.of();
    }
    Map<String, String> properties = new HashMap<>();
    // A test profile may point the reactive URL elsewhere on purpose (DatabaseUnavailableTest): leave it alone.
    if (outside.reactive().isEmpty()) {
      properties.put(DatasourceUrls.REACTIVE_PROPERTY, "postgresql://127.0.0.1:" + port() + "/" + DATABASE);
    }
    properties.put(DatasourceUrls.JDBC_PROPERTY, jdbcUrl());
    properties.put("quarkus.datasource.username", USER);
    return properties;
  }

  @Override
  public void stop() {
    // The server serves the whole run (several Quarkus starts); zonky's shutdown hook stops it with the JVM.
  }

  /** The JDBC URL of the database the application under test uses. */
  public static String jdbcUrl() {
    return DatasourceUrls.fromSystem().jdbc()
        .orElseGet(() -> "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE);
  }

  /**
   * The environment a separately started Tally process needs to use the same database. Spelled out even when
   * the test JVM got the URLs as system properties (@QuarkusIntegrationTest sets its resources' properties so):
   * a child process inherits the environment, not those.
   */
  public static Map<String, String> environment() {
    DatasourceUrls outside = DatasourceUrls.fromSystem();
    Map<String, String> environment = new HashMap<>();
    environment.put(DatasourceUrls.JDBC_VARIABLE, jdbcUrl());
    if (outside.jdbc().isEmpty()) {
      environment.put(DatasourceUrls.REACTIVE_VARIABLE, "postgresql://127.0.0.1:" + port() + "/" + DATABASE);
      environment.put("QUARKUS_DATASOURCE_USERNAME", USER);
    } else {
      outside.reactive().ifPresent(url -> environment.put(DatasourceUrls.REACTIVE_VARIABLE, url));
    }
    return environment;
  }

  /**
   * The embedded server's port, starting it on first use. Quarkus loads this class again for every restart (each
   * test profile, each class loader), so the running server is remembered where every copy sees it: a system
   * property, set under the JVM-wide lock of the system properties themselves.
   */
  private static int port() {
    synchronized (System.getProperties()) {
      String known = System.getProperty(PORT_PROPERTY);
      if (known != null) {
        return Integer.parseInt(known);
      }
      long started = System.nanoTime();
      EmbeddedPostgres embedded;
      try {
        embedded = EmbeddedPostgres.builder().start();
        try (Connection c = embedded.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
          s.execute("CREATE DATABASE " + DATABASE);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the tests' embedded PostgreSQL", e);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot create the tests' database " + DATABASE, e);
      }
      LOG.infof("No datasource configured: the tests use an embedded PostgreSQL on 127.0.0.1:%d, database \"%s\", "
          + "started empty in %d ms", embedded.getPort(), DATABASE, (System.nanoTime() - started) / 1_000_000);
      System.setProperty(PORT_PROPERTY, String.valueOf(embedded.getPort()));
      return embedded.getPort();
    }
  }
}
