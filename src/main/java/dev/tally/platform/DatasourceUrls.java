package dev.tally.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The two addresses Tally needs for its database, as configured (environment, -D, application.properties):
 * the reactive URL serves requests, the JDBC URL runs Flyway's migrations. Both or neither: with only the
 * reactive one, Flyway would silently skip the migrations.
 *
 * <p>This decides whether a datasource is configured at all — in dev mode and in tests an embedded PostgreSQL
 * stands in when it is not, in production it is a startup error that names the variables to set.
 */
public record DatasourceUrls(Optional<String> reactive, Optional<String> jdbc) {

  public static final String REACTIVE_PROPERTY = "quarkus.datasource.reactive.url";
  public static final String JDBC_PROPERTY = "quarkus.datasource.jdbc.url";
  public static final String REACTIVE_VARIABLE = "QUARKUS_DATASOURCE_REACTIVE_URL";
  public static final String JDBC_VARIABLE = "QUARKUS_DATASOURCE_JDBC_URL";

  /** Reads both URLs by property name from {@code lookup} (null or blank counts as not set). */
  public static DatasourceUrls read(Function<String, String> lookup) {
    return new DatasourceUrls(present(lookup.apply(REACTIVE_PROPERTY)), present(lookup.apply(JDBC_PROPERTY)));
  }

  /**
   * Reads both URLs the way Quarkus would from outside the application: a -D system property first, then the
   * environment variable. For code that runs before or beside Quarkus' configuration (the tests' JDBC helper).
   */
  public static DatasourceUrls fromSystem() {
    return new DatasourceUrls(
        present(System.getProperty(REACTIVE_PROPERTY)).or(() -> present(System.getenv(REACTIVE_VARIABLE))),
        present(System.getProperty(JDBC_PROPERTY)).or(() -> present(System.getenv(JDBC_VARIABLE))));
  }

  /** Anything configured at all: then it is the user's choice and no embedded database may replace it. */
  public boolean anyConfigured() {
    return reactive.isPresent() || jdbc.isPresent();
  }

  public boolean complete() {
    return reactive.isPresent() && jdbc.isPresent();
  }

  /** The environment variables still to set, in the order an operator would set them. */
  public List<String> missingVariables() {
    List<String> missing = new ArrayList<>();
    if (reactive.isEmpty()) {
      missing.add(REACTIVE_VARIABLE);
    }
    if (jdbc.isEmpty()) {
      missing.add(JDBC_VARIABLE);
    }
    return missing;
  }

  /** The startup error of a deployment without (part of) its datasource: what to set, with examples. */
  public String missingMessage() {
    return "No PostgreSQL configured: set " + String.join(" and ", missingVariables())
        + " (e.g. " + REACTIVE_VARIABLE + "=postgresql://db-host:5432/tally and "
        + JDBC_VARIABLE + "=jdbc:postgresql://db-host:5432/tally; both name the same database: the reactive URL "
        + "serves requests, the JDBC URL runs the schema migrations), and QUARKUS_DATASOURCE_USERNAME / "
        + "QUARKUS_DATASOURCE_PASSWORD. Only dev mode and the tests start an embedded PostgreSQL by themselves.";
  }

  private static Optional<String> present(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }
}
