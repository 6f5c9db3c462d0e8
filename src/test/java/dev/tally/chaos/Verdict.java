package dev.tally.chaos;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ledger against the database and the aggregates: every acknowledged event stored exactly once with its
 * canonical content, nothing counted twice, nothing left pending, and aggregate sums equal to the events' sums.
 */
final class Verdict {

  record Row(String name, String value, String rule, boolean ok) {}

  /** Count and exact sum per (clientId, metric). */
  record Sum(long count, BigDecimal sum) {
    Sum plus(BigDecimal amount) {
      return new Sum(count + 1, sum.add(amount));
    }
  }

  final List<Row> rows = new ArrayList<>();
  final List<String> problems = new ArrayList<>();
  /** Expected aggregates: the acknowledged events plus those stored without an acknowledgement. */
  final Map<String, Sum> expectedSums = new TreeMap<>();
  final Map<String, Sum> ledgerSums = new TreeMap<>();

  void checkDatabase(Connection db, Ledger ledger, long pending) throws SQLException {
    Map<Ledger.Expected, Integer> found = new HashMap<>();
    int unknown = 0;
    int differentContent = 0;
    try (Statement s = db.createStatement();
         ResultSet rs = s.executeQuery("SELECT client_id, event_id, metric, amount, ts FROM events")) {
      while (rs.next()) {
        String clientId = rs.getString(1);
        String eventId = rs.getString(2);
        String metric = rs.getString(3);
        BigDecimal amount = rs.getBigDecimal(4);
        Instant ts = rs.getObject(5, java.time.OffsetDateTime.class).toInstant();
        Ledger.Expected e = ledger.find(eventId != null ? Ledger.idKey(clientId, eventId) : Ledger.contentKey(clientId, metric, amount, ts));
        if (e == null) {
          unknown++;
          problem("an events row no client sent: " + clientId + " " + eventId + " " + metric + " " + amount + " " + ts);
          continue;
        }
        if (!e.sameContent(metric, amount, ts)) {
          differentContent++;
          problem("stored with other content: " + e.describe() + " as " + metric + " " + amount + " " + ts);
        }
        found.merge(e, 1, Integer::sum);
      }
    }
    long acknowledged = 0;
    long exactlyOnce = 0;
    long missing = 0;
    long doubled = 0;
    long storedUnacknowledged = 0;
    for (Ledger.Expected e : ledger.all()) {
      int n = found.getOrDefault(e, 0);
      if (n > 1) {
        doubled++;
        problem("counted " + n + " times: " + e.describe());
      }
      if (e.acknowledged) {
        acknowledged++;
        ledgerSums.merge(e.clientId + " / " + e.metric, new Sum(1, e.amount), (a, b) -> a.plus(e.amount));
        if (n == 1) {
          exactlyOnce++;
        } else if (n == 0) {
          missing++;
          problem("acknowledged but missing: " + e.describe());
        }
      } else if (n > 0) {
        storedUnacknowledged++;
      }
      // What the aggregates must show: every acknowledged event (stored or not: a lost one must show as a
      // mismatch), and the stored events whose acknowledgement was lost.
      if (e.acknowledged || n > 0) {
        expectedSums.merge(e.clientId + " / " + e.metric, new Sum(1, e.amount), (a, b) -> a.plus(e.amount));
      }
    }
    rows.add(new Row("events acknowledged (2xx)", String.valueOf(acknowledged), "", true));
    rows.add(new Row("found in events exactly once", String.valueOf(exactlyOnce), "= acknowledged", exactlyOnce == acknowledged));
    rows.add(new Row("double counted", String.valueOf(doubled), "= 0", doubled == 0));
    rows.add(new Row("acknowledged but missing", String.valueOf(missing), "= 0", missing == 0));
    rows.add(new Row("stored with other content than sent", String.valueOf(differentContent), "= 0", differentContent == 0));
    rows.add(new Row("events rows no client sent", String.valueOf(unknown), "= 0", unknown == 0));
    rows.add(new Row("stored but never acknowledged (ack lost)", String.valueOf(storedUnacknowledged), "reported", true));
    rows.add(new Row("raw rows pending after recovery", String.valueOf(pending), "= 0", pending == 0));
  }

  void checkAggregates(Map<String, Sum> aggregates) {
    int equal = 0;
    int equalToLedger = 0;
    for (Map.Entry<String, Sum> expected : expectedSums.entrySet()) {
      Sum actual = aggregates.get(expected.getKey());
      if (actual != null && actual.count == expected.getValue().count && actual.sum.compareTo(expected.getValue().sum) == 0) {
        equal++;
      } else {
        problem("aggregate " + expected.getKey() + ": expected " + expected.getValue() + " but GET /aggregates says " + actual);
      }
      Sum ledger = ledgerSums.get(expected.getKey());
      if (ledger != null && actual != null && actual.count == ledger.count && actual.sum.compareTo(ledger.sum) == 0) {
        equalToLedger++;
      }
    }
    for (String key : aggregates.keySet()) {
      if (!expectedSums.containsKey(key)) {
        problem("aggregate row for " + key + " that no stored event explains: " + aggregates.get(key));
      }
    }
    boolean ok = equal == expectedSums.size() && aggregates.size() == expectedSums.size();
    rows.add(new Row("client/metric aggregates (count, exact sum) = acknowledged + ack lost", equal + " of " + expectedSums.size(), "all", ok));
    rows.add(new Row("... of which also = ledger (acknowledged only)", equalToLedger + " of " + expectedSums.size(),
        "all unless an ack was lost", true));
  }

  void check(String name, long value, String rule, boolean ok) {
    rows.add(new Row(name, String.valueOf(value), rule, ok));
  }

  boolean passed() {
    return rows.stream().allMatch(Row::ok);
  }

  String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("| %-72s | %12s | %-26s | %-4s |%n", "check", "value", "must be", "ok"));
    out.append(String.format("|%s|%s|%s|%s|%n", "-".repeat(74), "-".repeat(14), "-".repeat(28), "-".repeat(6)));
    for (Row r : rows) {
      out.append(String.format("| %-72s | %12s | %-26s | %-4s |%n", r.name, r.value, r.rule, r.ok ? "ok" : "FAIL"));
    }
    return out.toString();
  }

  private void problem(String text) {
    if (problems.size() < 20) {
      problems.add(text);
    }
  }
}
