package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The refresh and the consistency check never JIT-compile (V18): every statement they run, read back through
 * auto_explain on a session that would JIT-compile any plan at all (jit_above_cost = 0). Their estimates over the
 * never-analyzed aggregate_dirty made a one-bucket refresh at 10M events look expensive enough to compile, ~50 ms each.
 */
@QuarkusTest
class RefreshPlanTest {

  @Test
  void theRefreshAndTheCheckRunWithoutJit() throws SQLException {
    List<String> plans = new ArrayList<>();
    // One event inserted, refreshed and checked in a transaction that is rolled back: nothing another test could see.
    try (Connection c = TestDb.connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT pg_jit_available()")) {
        rs.next();
        assumeTrue(rs.getBoolean(1), "this PostgreSQL has no JIT provider");
      }
      c.setAutoCommit(false);
      try {
        s.execute("SELECT pg_advisory_xact_lock(" + AggregateRepository.REFRESH_LOCK + ")");
        s.execute("INSERT INTO raw_events (client_id, payload, status) VALUES ('refresh-plan-check', '{}', 'accepted')");
        s.execute("INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version) SELECT"
            + " 'refresh-plan-check', 'refresh-plan-check-1', 'm', 1, '2024-02-01T00:00:00Z', max(id), 0 FROM raw_events");
        s.execute("SET LOCAL jit_above_cost = 0");
        s.execute("LOAD 'auto_explain'");
        s.execute("SET LOCAL auto_explain.log_min_duration = 0");
        s.execute("SET LOCAL auto_explain.log_nested_statements = on");
        s.execute("SET LOCAL client_min_messages = log");
        s.clearWarnings();
        s.execute("SELECT * FROM aggregate_refresh(1000)");
        s.execute("SELECT * FROM aggregate_check(100)");
        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
          plans.add(w.getMessage());
        }
        s.execute("RESET client_min_messages");
      } finally {
        c.rollback();
      }
    }
    // The two calls above are this session's own statements (costed at 0.26, they JIT-compile only with the threshold
    // at 0 as here); the statements inside the functions run with the functions' settings.
    List<String> inside = plans.stream()
        .filter(plan -> !plan.contains("Query Text: SELECT * FROM aggregate_refresh(1000)"))
        .filter(plan -> !plan.contains("Query Text: SELECT * FROM aggregate_check(100)"))
        .toList();
    assertThat(inside).as("the plans auto_explain logged").anyMatch(plan -> plan.contains("aggregate_buckets"));
    assertThat(inside).allSatisfy(plan -> assertThat(plan).doesNotContain("JIT:"));
  }
}
