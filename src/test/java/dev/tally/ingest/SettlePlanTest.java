package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tally_settle's statements are planned once per connection and always look their rows up by key (V17): the plans
 * PostgreSQL actually runs inside the function, read back through auto_explain, on a session whose cost settings make
 * sequential scans and hash joins look cheapest (what a generic plan made over nearly empty tables, or blind to the
 * arrays' sizes, chose before V7 forced custom plans). Without V17's pins this test sees them.
 */
@QuarkusTest
class SettlePlanTest {

  private static final String CLIENT = "settle-plan-check";

  @Test
  void everyStatementOfTheSettleLooksItsRowsUpByKeyWhateverTheCostsSay() throws SQLException {
    // Under Citus (src/test/citus/run.sh) Tally calls V14's overload, whose statements the coordinator plans for the
    // workers holding the shards: V17 pins the plain-PostgreSQL function's plans.
    assumeTrue(TestDb.unknownClient() == null, "plain PostgreSQL only: under Citus the coordinator plans the settle");
    List<String> plans = new ArrayList<>();
    // Raw rows inserted and settled in a transaction that is rolled back: nothing another test could see.
    TestDb.rolledBack(s -> {
      s.execute("SET LOCAL seq_page_cost = 0.001");
      s.execute("SET LOCAL random_page_cost = 1000000");
      s.execute("SET LOCAL cpu_index_tuple_cost = 1000");
      s.execute("LOAD 'auto_explain'");
      s.execute("SET LOCAL auto_explain.log_min_duration = 0");
      s.execute("SET LOCAL auto_explain.log_nested_statements = on");
      s.execute("SET LOCAL client_min_messages = log");
      // Past the plan cache's five custom plans, so a call that still planned per call would show it too.
      for (int call = 0; call < 7; call++) {
        List<Long> ids = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("INSERT INTO raw_events (client_id, payload, status) VALUES ('" + CLIENT
            + "', '{}', 'pending'), ('" + CLIENT + "', '{}', 'pending') RETURNING id")) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
        s.clearWarnings();
        try (ResultSet rs = s.executeQuery("""
            SELECT count(*) FROM tally_settle(ARRAY[%3$d, %4$d], ARRAY['%1$s', '%1$s'], ARRAY['fp-%2$d-a', 'fp-%2$d-b'],
              ARRAY[NULL, NULL]::text[], ARRAY['m', 'm'], ARRAY['1', '2'],
              ARRAY['2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'], ARRAY[NULL, NULL]::text[], ARRAY[0, 0])"""
            .formatted(CLIENT, call, ids.get(0), ids.get(1)))) {
          rs.next();
          assertThat(rs.getLong(1)).isEqualTo(2);
        }
        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
          plans.add(w.getMessage());
        }
      }
      s.execute("RESET client_min_messages");
      return null;
    });
    List<String> settle = plans.stream().filter(p -> p.contains("raw_events r") || p.contains("Insert on events")).toList();
    assertThat(settle).as("the settle's statements, as auto_explain logged them").hasSizeGreaterThanOrEqualTo(7 * 3);
    assertThat(settle).allSatisfy(plan -> assertThat(plan)
        .doesNotContain("Seq Scan on raw_events")
        .doesNotContain("Seq Scan on events")
        .doesNotContain("Hash Join")
        .doesNotContain("Merge Join"));
  }
}
