package dev.tally.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tally.platform.SqlFilter;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * GET /raw-events?clientId= without a status reads one client's newest rows through
 * raw_events_client_status_idx, one short range per status (V19 dropped the (client_id, id) index that every event
 * paid two entries for): planned by PostgreSQL over a client with 10,000 rows among 19 other clients' rows, it reads
 * index ranges, never the table, and returns what a plain newest-first scan of the client's rows returns.
 */
@QuarkusTest
class RawListingPlanTest {

  private static final String CLIENT = "raw-listing-plan";

  @Test
  void aClientsNewestRowsOfEveryStatusAreShortIndexRangesMergedNewestFirst() throws SQLException {
    assumeTrue(TestDb.unknownClient() == null, "plain PostgreSQL only: Citus plans the shards' queries on the workers");
    TestDb.rolledBack(s -> {
      // Half accepted, some of every other status, interleaved in id order with the other clients' rows.
      s.execute("INSERT INTO raw_events (client_id, payload, status)"
          + " SELECT CASE WHEN i % 20 = 0 THEN '" + CLIENT + "' ELSE '" + CLIENT + "-other-' || (i % 20) END, '{}',"
          + " (ARRAY['accepted', 'accepted', 'accepted', 'accepted', 'duplicate', 'rejected', 'conflict', 'unparseable',"
          + "  'pending', 'accepted'])[1 + (i / 20) % 10]"
          + " FROM generate_series(1, 200000) i");
      s.execute("ANALYZE raw_events");
      long newest = Long.parseLong(TestDb.lines(s, "SELECT max(id) FROM raw_events WHERE client_id = '" + CLIENT + "'"));

      for (Long after : new Long[] {null, newest - 40000}) {
        SqlFilter filter = new SqlFilter().and("client_id = %s", CLIENT).and("id < %s", after);
        String sql = TestDb.inlined(EventQueries.everyStatusNewestFirst(filter, filter.bind(51)), filter.params());

        String plan = TestDb.lines(s, "EXPLAIN " + sql);
        assertThat(plan).as(plan).contains("raw_events_client_status_idx").doesNotContain("Seq Scan");
        assertThat(TestDb.lines(s, sql)).as("the newest 51 of the client's rows, newest first").isEqualTo(TestDb.lines(s,
            "SELECT id FROM raw_events WHERE client_id = '" + CLIENT + "'" + (after == null ? "" : " AND id < " + after)
                + " ORDER BY id DESC LIMIT 51"));
      }
      return null;
    });
  }
}
