package dev.tally.support;

import io.vertx.mutiny.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain JDBC access to the database the application under test uses, so that tests assert on stored
 * state. Works for @QuarkusTest and for @QuarkusIntegrationTest (which cannot inject beans): the database is
 * {@link TestDatabase}'s, the configured one or the tests' embedded PostgreSQL.
 */
public final class TestDb {

  private TestDb() {}

  public static Connection connect() throws SQLException {
    String url = TestDatabase.jdbcUrl();
    String user = env("QUARKUS_DATASOURCE_USERNAME", "postgres");
    String password = env("QUARKUS_DATASOURCE_PASSWORD", "");
    return DriverManager.getConnection(url, user, password);
  }

  /** Rows as column-name → value maps, in query order. */
  public static List<Map<String, Object>> query(String sql, Object... params) {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        List<Map<String, Object>> rows = new ArrayList<>();
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= columns; i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          rows.add(row);
        }
        return rows;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public static Map<String, Object> one(String sql, Object... params) {
    List<Map<String, Object>> rows = query(sql, params);
    if (rows.size() != 1) {
      throw new AssertionError("expected exactly one row but got " + rows.size() + " for " + sql);
    }
    return rows.get(0);
  }

  public static long count(String sql, Object... params) {
    return ((Number) one(sql, params).values().iterator().next()).longValue();
  }

  public static int update(String sql, Object... params) {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Work on one statement of a connection, for {@link #rolledBack}. */
  @FunctionalInterface
  public interface Work<T> {
    T on(Statement statement) throws SQLException;
  }

  /**
   * What {@code work} returns, run in a transaction that is then rolled back: rows it writes (a plan test's data, say)
   * are never seen by another test or by the refresher's consistency check.
   */
  public static <T> T rolledBack(Work<T> work) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try {
        return work.on(s);
      } finally {
        c.rollback();
      }
    }
  }

  /** The first column of every row of {@code sql}, a line each (EXPLAIN's text, say). */
  public static String lines(Statement statement, String sql) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        lines.add(rs.getString(1));
      }
    }
    return String.join("\n", lines);
  }

  /** {@code sql} with its bound values ($1, $2, ...) written in as literals, so that EXPLAIN can plan it. */
  public static String inlined(String sql, Tuple params) {
    for (int i = params.size(); i >= 1; i--) {
      Object value = params.getValue(i - 1);
      String literal = value instanceof Number ? value.toString()
          : value instanceof OffsetDateTime ? "'" + value + "'::timestamptz"
          : "'" + value.toString().replace("'", "''") + "'";
      sql = sql.replace("$" + i, literal);
    }
    if (sql.contains("$")) {
      throw new AssertionError("a placeholder left in " + sql);
    }
    return sql;
  }

  /**
   * The client_id of a raw row whose client cannot be known: null in plain PostgreSQL, '' under Citus (V14: every row
   * needs a distribution value).
   */
  public static String unknownClient() {
    return count("SELECT count(*) FROM pg_extension WHERE extname = 'citus'") > 0 ? "" : null;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
