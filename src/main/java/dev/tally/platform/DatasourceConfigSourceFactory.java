package dev.tally.platform;

import io.quarkus.runtime.ExecutionMode;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Where Tally's database comes from when nobody said: in dev mode an embedded PostgreSQL
 * ({@link EmbeddedDevDatabase}, data under {@value #DEV_DATA_DIRECTORY}); in a deployment nowhere — a startup
 * error naming the variables, before anything tries to connect (Quarkus alone would report an inactive
 * datasource from deep inside Flyway). Tests get theirs from a test resource. A configured URL — environment,
 * -D, application.properties, any profile — always wins: then this does nothing.
 *
 * <p>Registered in META-INF/services so it runs when the configuration is built, before the datasources.
 */
public final class DatasourceConfigSourceFactory implements ConfigSourceFactory {

  static final String DEV_DATA_DIRECTORY = "target/dev-postgres";
  /** Above application.properties (250), below environment variables (300) and system properties (400). */
  private static final int ORDINAL = 260;
  /**
   * Whether the embedded server is on the class path: in dev mode and tests yes (a provided dependency), in the
   * package never. A constant of a class native-image initializes at build time, so there the embedded branch
   * below folds away and nothing links against the absent library.
   */
  private static final boolean EMBEDDED_AVAILABLE = onClassPath("io.zonky.test.db.postgres.embedded.EmbeddedPostgres");

  /** What to do about the datasource when the configuration is built. */
  enum Decision {
    /** A complete configuration (or the tests' own resource): use it as it is. */
    USE_CONFIGURED,
    /** Dev mode with nothing configured: start the embedded server and point both URLs at it. */
    START_EMBEDDED,
    /** A starting application without (all of) its datasource: stop, naming the variables. */
    FAIL,
    /** Reading the configuration for the build: no datasource needed yet. */
    NOT_YET
  }

  @Override
  public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
    DatasourceUrls urls = DatasourceUrls.read(name -> valueOf(context.getValue(name)));
    boolean starting = ExecutionMode.current() == ExecutionMode.RUNTIME_INIT;
    switch (decide(urls, context.getProfiles(), EMBEDDED_AVAILABLE, starting)) {
      case START_EMBEDDED -> {
        // The branch native-image folds away (EMBEDDED_AVAILABLE is false there): see the constant.
        if (EMBEDDED_AVAILABLE) {
          Map<String, String> embedded = EmbeddedDevDatabase.start(Path.of(DEV_DATA_DIRECTORY));
          return List.of(new PropertiesConfigSource(embedded, "embedded dev PostgreSQL", ORDINAL));
        }
        return List.of();
      }
      case FAIL -> throw new ConfigurationException(urls.missingMessage());
      default -> {
        return List.of();
      }
    }
  }

  /**
   * The decision alone. Tests bring their database through a test resource (support.TestDatabase), so the test
   * profile is left alone. Dev mode starts the embedded server only when nothing at all is configured, and fails
   * at once on half a configuration (without the JDBC URL Flyway would skip the migrations). Any other profile
   * fails when the application starts without both URLs; the build reads the configuration too and needs none.
   */
  static Decision decide(DatasourceUrls urls, List<String> profiles, boolean embeddedAvailable, boolean starting) {
    if (profiles.contains("test") || urls.complete()) {
      return Decision.USE_CONFIGURED;
    }
    boolean dev = profiles.contains("dev");
    if (dev && embeddedAvailable && !urls.anyConfigured()) {
      return Decision.START_EMBEDDED;
    }
    return dev || starting ? Decision.FAIL : Decision.NOT_YET;
  }

  private static boolean onClassPath(String className) {
    try {
      Class.forName(className, false, DatasourceConfigSourceFactory.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError absent) {
      return false;
    }
  }

  private static String valueOf(ConfigValue value) {
    return value == null ? null : value.getValue();
  }
}
