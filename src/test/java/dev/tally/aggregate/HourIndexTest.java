package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.platform.SqlFilter;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import io.vertx.mutiny.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

/**
 * One client's hours over a range — the commonest dashboard question — can be answered from an index alone
 * (V13): the covering index holds every column the generated query reads, so PostgreSQL does not visit a heap page
 * per row. Checked on the SQL that {@link AggregateSql} generates, planned by PostgreSQL over a client with 90 days of
 * hours (an index-only scan is possible only if the index holds every column the query reads).
 */
@QuarkusTest
class HourIndexTest {

  private static final String CLIENT = "hour-index-check";

  @Test
  void oneClientsHoursOverARangeAreAnIndexOnlyScan() throws SQLException {
    AggregateQuery week = new AggregateQuery(CLIENT, null, Instant.parse("2024-02-01T00:00:00Z"),
        Instant.parse("2024-02-08T00:00:00Z"), Granularity.HOUR, ZoneOffset.UTC, 1000, null);
    SqlFilter filter = new SqlFilter().and("client_id = %s", week.clientId());
    String sql = AggregateSql.rows(week, filter, filter.bind(1001));
    Tuple params = filter.params();
    for (int i = params.size(); i >= 1; i--) {
      Object value = params.getValue(i - 1);
      String literal = value instanceof Integer ? value.toString()
          : value instanceof OffsetDateTime ? "'" + value + "'::timestamptz" : "'" + value + "'";
      sql = sql.replace("$" + i, literal);
    }
    assertThat(sql).contains("FROM aggregate_hours").doesNotContain("$");
    StringBuilder plan = new StringBuilder();
    // 90 days of 4 metrics' hours for the client, inserted, analyzed and explained in a transaction that is rolled
    // back: nothing another test or the refresher's consistency check could see.
    try (Connection c = TestDb.connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try {
        s.execute("INSERT INTO aggregate_hours (client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max)"
            + " SELECT '" + CLIENT + "', 'metric_' || m, timestamptz '2024-01-01' + h * interval '1 hour', 10, 100.5, 1, 20"
            + " FROM generate_series(0, 3) m, generate_series(0, 90 * 24 - 1) h");
        s.execute("ANALYZE aggregate_hours");
        // These rows are minutes old, so not yet all-visible as history is after autovacuum; packed in a few pages,
        // they would be cheaper to read through a bitmap. Without that path the planner weighs the two indexes.
        // Under Citus the worker plans the shard's query: the setting must travel with it (a placeholder in PostgreSQL).
        s.execute("SET LOCAL citus.propagate_set_commands = 'local'");
        s.execute("SET LOCAL enable_bitmapscan = off");
        try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
          while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
          }
        }
      } finally {
        c.rollback();
      }
    }
    assertThat(plan.toString()).contains("Index Only Scan using aggregate_hours_client_bucket_covering");
  }
}
