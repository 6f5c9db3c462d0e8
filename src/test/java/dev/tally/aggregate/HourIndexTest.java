package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tally.platform.SqlFilter;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  private static final AggregateQuery WEEK = new AggregateQuery(CLIENT, null, Instant.parse("2024-02-01T00:00:00Z"),
      Instant.parse("2024-02-08T00:00:00Z"), Granularity.HOUR, ZoneOffset.UTC, 1000, null);

  @Test
  void oneClientsHoursOverARangeAreAnIndexOnlyScan() throws SQLException {
    SqlFilter filter = new SqlFilter().and("client_id = %s", WEEK.clientId());
    String sql = TestDb.inlined(AggregateSql.rows(WEEK, filter, filter.bind(1001)), filter.params());
    assertThat(sql).contains("FROM aggregate_hours");
    // Under Citus the worker plans the shard's query: the setting must travel with it (a placeholder in PostgreSQL).
    // These rows are minutes old, so not yet all-visible as history is after autovacuum; packed in a few pages,
    // they would be cheaper to read through a bitmap. Without that path the planner weighs the two indexes.
    String plan = explained(sql, 15, "SET LOCAL citus.propagate_set_commands = 'local'", "SET LOCAL enable_bitmapscan = off");
    assertThat(plan).contains("Index Only Scan using aggregate_hours_client_bucket_covering");
  }

  /**
   * The whole GET statement, aggregate_state joined in, is estimated at no more rows than it can return (limit + 1)
   * and below jit_above_cost. Joined as a plain table, the never-analyzed one-row aggregate_state was estimated at
   * ~1,500 rows, the week's answer at ~800,000, and PostgreSQL JIT-compiled every GET (5-25 ms for a 1 ms query).
   */
  @Test
  void theWholeStatementIsEstimatedAtItsRowsSoItIsNeverJitCompiled() throws SQLException {
    // Under Citus the coordinator joins intermediate results, which it estimates at 1,000,000 rows whatever the query:
    // docs/citus.md asks for jit = off on the coordinator instead.
    assumeTrue(TestDb.unknownClient() == null, "plain PostgreSQL only: Citus estimates intermediate results at 1M rows");
    SqlFilter filter = new SqlFilter();
    String sql = TestDb.inlined(AggregateRepository.select(WEEK, filter, false), filter.params());
    String plan = explained(sql, 0, "SET LOCAL jit_above_cost = 100000");
    Matcher top = Pattern.compile("cost=[0-9.]+\\.\\.([0-9.]+) rows=([0-9]+)").matcher(plan);
    assertThat(top.find()).as(plan).isTrue();
    assertThat(Long.parseLong(top.group(2))).as(plan).isLessThanOrEqualTo(1001);
    assertThat(Double.parseDouble(top.group(1))).as(plan).isLessThan(100000);
    assertThat(plan).doesNotContain("JIT");
  }

  /**
   * EXPLAIN's text over 90 days of 4 metrics' hours for the client and {@code others} more clients, written hour by
   * hour for all of them as the refresh writes them (so one client's rows are spread over the table, as in production,
   * whichever tests ran before), inserted, analyzed and explained in a transaction that is rolled back: nothing
   * another test or the refresher's consistency check could see.
   */
  private static String explained(String sql, int others, String... settings) throws SQLException {
    return TestDb.rolledBack(s -> {
      s.execute("INSERT INTO aggregate_hours (client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max)"
          + " SELECT CASE c WHEN 0 THEN '" + CLIENT + "' ELSE '" + CLIENT + "-other-' || c END, 'metric_' || m,"
          + " timestamptz '2024-01-01' + h * interval '1 hour', 10, 100.5, 1, 20"
          + " FROM generate_series(0, 90 * 24 - 1) h, generate_series(0, " + others + ") c, generate_series(0, 3) m ORDER BY h, c, m");
      s.execute("ANALYZE aggregate_hours");
      for (String setting : settings) {
        s.execute(setting);
      }
      return TestDb.lines(s, "EXPLAIN " + sql) + "\n";
    });
  }
}
