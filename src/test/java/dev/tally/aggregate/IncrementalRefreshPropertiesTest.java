package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.TestDatabase;
import dev.tally.support.TestDb;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.flywaydb.core.Flyway;

/**
 * The incremental refresh against the real database, at the SQL level (the functions the refresher calls): after any
 * sequence of inserts (duplicates and late events included), deletes, replays (the same events again), inserts whose
 * transaction is still open while a refresh runs, concurrent refreshes and per-client rebuilds, one more refresh
 * leaves every level (15-minute buckets, hours, days, totals, the listed zones' days) exactly equal to a recompute from
 * events. Each try uses its own clients, so the application's own refresher (when a Quarkus test runs alongside) is
 * just one more concurrent refresher. Lean on purpose: 25 tries of up to 12 steps.
 */
class IncrementalRefreshPropertiesTest {

  private static final Instant BASE = Instant.parse("2024-03-09T00:00:00Z");
  private static long rawId;

  enum Kind { INSERT, IN_FLIGHT_INSERT, DELETE, REPLAY, REFRESH, CONCURRENT_REFRESH, REBUILD }

  record Event(int client, int metric, String fingerprint, BigDecimal amount, Instant ts) {}

  record Step(Kind kind, List<Event> events) {}

  @BeforeContainer
  static void schema() throws SQLException {
    // Quarkus migrates at its start; this test may run before any Quarkus test did, so it migrates too (a no-op after).
    String user = System.getenv().getOrDefault("QUARKUS_DATASOURCE_USERNAME", "postgres");
    String password = System.getenv().getOrDefault("QUARKUS_DATASOURCE_PASSWORD", "");
    Flyway.configure().dataSource(TestDatabase.jdbcUrl(), user, password).locations("classpath:db/migration").load().migrate();
    try (Connection c = TestDb.connect(); Statement s = c.createStatement()) {
      // The zones %test.tally.aggregates.day-zones lists (a running Tally would drop others): whole-hour, half-hour,
      // and Lord Howe's 30-minute DST shift. Refreshes and rebuilds roll their days up whether complete or not.
      s.execute("INSERT INTO aggregate_zones (zone, hourly) VALUES ('America/New_York', true), ('Asia/Kolkata', false), "
          + "('Australia/Lord_Howe', false) ON CONFLICT (zone) DO NOTHING");
    }
    try (Connection c = TestDb.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("INSERT INTO raw_events (client_id, payload, status) VALUES "
            + "('property', '{\"property\": true}', 'accepted') RETURNING id")) {
      rs.next();
      rawId = rs.getLong(1);
    }
  }

  @Property(tries = 25)
  void materializationEqualsARecomputeFromEvents(@ForAll("scenarios") List<Step> steps) throws Exception {
    String prefix = "prop-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    List<Event> inserted = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection c = TestDb.connect()) {
      for (Step step : steps) {
        switch (step.kind()) {
          case INSERT -> {
            insert(c, prefix, step.events());
            inserted.addAll(step.events());
          }
          case REPLAY -> insert(c, prefix, inserted.subList(0, Math.min(inserted.size(), 5)));
          case DELETE -> delete(c, prefix, step.events());
          case IN_FLIGHT_INSERT -> {
            // Uncommitted while a refresh runs: its invalidation must survive that refresh and be taken by a later one.
            try (Connection open = TestDb.connect()) {
              open.setAutoCommit(false);
              insert(open, prefix, step.events());
              refresh();
              open.commit();
            }
            inserted.addAll(step.events());
          }
          case REFRESH -> refresh();
          case CONCURRENT_REFRESH -> {
            List<Future<?>> running = List.of(pool.submit(() -> refreshUnchecked()), pool.submit(() -> refreshUnchecked()));
            for (Future<?> refresh : running) {
              refresh.get(60, TimeUnit.SECONDS);
            }
          }
          case REBUILD -> rebuild(prefix + "0");
        }
      }
      refresh();
      for (String level : LEVELS) {
        assertThat(differences(c, level, prefix)).as(level + " vs a recompute from events").isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static final List<String> LEVELS = List.of(
      "SELECT client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max FROM aggregate_buckets WHERE client_id LIKE ?",
      "SELECT client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max FROM aggregate_hours WHERE client_id LIKE ?",
      "SELECT client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max FROM aggregate_days WHERE client_id LIKE ?",
      "SELECT client_id, metric, NULL::timestamptz, event_count, amount_sum, amount_min, amount_max FROM aggregate_totals WHERE client_id LIKE ?",
      zoneDays("America/New_York"), zoneDays("Asia/Kolkata"), zoneDays("Australia/Lord_Howe"));

  private static final List<String> RECOMPUTED = List.of(
      "aggregate_bucket(ts)", "date_trunc('hour', ts, 'UTC')", "date_trunc('day', ts, 'UTC')", "NULL::timestamptz",
      "(ts AT TIME ZONE 'America/New_York')::date", "(ts AT TIME ZONE 'Asia/Kolkata')::date",
      "(ts AT TIME ZONE 'Australia/Lord_Howe')::date");

  /** The pre-rolled days of a listed zone (V18); the zones are listed by {@link #schema}, as the tests' Tally lists them. */
  private static String zoneDays(String zone) {
    return "SELECT client_id, metric, day, event_count, amount_sum, amount_min, amount_max FROM aggregate_zone_days "
        + "WHERE zone = '" + zone + "' AND client_id LIKE ?";
  }

  /** Rows of the level and of its recompute that the other lacks (both ways). */
  private static List<String> differences(Connection c, String level, String prefix) throws SQLException {
    String recompute = "SELECT client_id, metric, " + RECOMPUTED.get(LEVELS.indexOf(level))
        + " AS b, count(*)::bigint, sum(amount), min(amount), max(amount) FROM events WHERE client_id LIKE ? GROUP BY 1, 2, 3";
    String sql = "(" + level + " EXCEPT " + recompute + ") UNION ALL (" + recompute + " EXCEPT " + level + ")";
    List<String> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 1; i <= 4; i++) {
        ps.setString(i, prefix + "%");
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getLong(4) + " " + rs.getString(5));
        }
      }
    }
    return rows;
  }

  private static void insert(Connection c, String prefix, List<Event> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    // One statement, as a batch of the ingest path: its trigger sees every row in one transition table.
    StringBuilder sql = new StringBuilder("INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version) VALUES ");
    for (int i = 0; i < events.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, 0)");
    }
    sql.append(" ON CONFLICT DO NOTHING");
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int p = 1;
      for (Event e : events) {
        ps.setString(p++, prefix + e.client());
        ps.setString(p++, e.fingerprint());
        ps.setString(p++, "m" + e.metric());
        ps.setBigDecimal(p++, e.amount());
        ps.setObject(p++, OffsetDateTime.ofInstant(e.ts(), ZoneOffset.UTC));
        ps.setLong(p++, rawId);
      }
      ps.executeUpdate();
    }
  }

  private static void delete(Connection c, String prefix, List<Event> events) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM events WHERE client_id = ? AND fingerprint = ?")) {
      for (Event e : events) {
        ps.setString(1, prefix + e.client());
        ps.setString(2, e.fingerprint());
        ps.executeUpdate();
      }
    }
  }

  private static void refresh() throws SQLException {
    locked("SELECT * FROM aggregate_refresh(1000)", null);
  }

  private static Void refreshUnchecked() throws SQLException {
    refresh();
    return null;
  }

  private static void rebuild(String client) throws SQLException {
    locked("SELECT aggregate_rebuild_client(?)", client);
  }

  private static void locked(String sql, String parameter) throws SQLException {
    try (Connection c = TestDb.connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, AggregateRepository.REFRESH_LOCK);
        lock.execute();
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (parameter != null) {
          ps.setString(1, parameter);
        }
        ps.execute();
      }
      c.commit();
    }
  }

  @Provide
  Arbitrary<List<Step>> scenarios() {
    Arbitrary<Event> event = Combinators.combine(
        Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, 1),
        // A small pool of fingerprints: the same event arrives more than once.
        Arbitraries.integers().between(0, 40).map(i -> "f" + i),
        Arbitraries.longs().between(-99_999_999_999L, 99_999_999_999L).map(unscaled -> BigDecimal.valueOf(unscaled, 4)),
        // Mostly three days of seconds; sometimes a late event years back.
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, Arbitraries.longs().between(0, 3 * 86_400L).map(BASE::plusSeconds)),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, 86_400L * 1500).map(s -> BASE.minusSeconds(s)))))
        .as(Event::new);
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.of(Kind.values()),
        event.list().ofMinSize(1).ofMaxSize(12).uniqueElements(e -> e.client() + "/" + e.fingerprint()))
        .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(12);
  }
}
