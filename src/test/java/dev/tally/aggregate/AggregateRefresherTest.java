package dev.tally.aggregate;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The scheduled path: skips while another replica refreshes, and skips the rebuild when nothing changed. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class AggregateRefresherTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject AggregateRepository repository;

  @Test
  void scheduledAttemptSkipsWhileAnotherReplicaHoldsTheLock() throws Exception {
    String client = newClientId("skip");
    try (HeldRefreshLock lock = new HeldRefreshLock()) {
      long generation = TestDb.count("SELECT generation FROM aggregate_state");
      given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-10-01T00:00:00Z")).post("/events")
          .then().statusCode(201);

      RefreshRun run = repository.refresh(null, 1000).await().atMost(TIMEOUT);

      assertThat(run.outcome()).isEqualTo(RefreshRun.Outcome.LOCKED);
      assertThat(run.state().generation()).isEqualTo(generation);
      assertThat(TestDb.count("SELECT generation FROM aggregate_state")).isEqualTo(generation);
      assertThat(TestDb.count("SELECT count(*) FROM aggregate_invalidations WHERE client_id = ?", client))
          .as("the invalidation waits for the next refresh").isOne();
    }
    RefreshRun run = repository.refresh(TIMEOUT, 1000).await().atMost(TIMEOUT);
    assertThat(run.outcome()).isIn(RefreshRun.Outcome.REFRESHED, RefreshRun.Outcome.UNCHANGED);
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_buckets WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_invalidations WHERE client_id = ?", client)).isZero();
  }

  @Test
  void nothingCommittedSinceTheLastRefreshMeansNoRebuildButAFresherAsOf() {
    RefreshRun first = repository.refresh(TIMEOUT, 1000).await().atMost(TIMEOUT);
    RefreshRun second = repository.refresh(TIMEOUT, 1000).await().atMost(TIMEOUT);
    assertThat(second.asOf()).isAfter(first.asOf());
    if (second.outcome() == RefreshRun.Outcome.UNCHANGED) {
      assertThat(second.state().generation()).isEqualTo(first.state().generation());
      assertThat(second.changes()).isZero();
    } else {
      // Events of concurrent tests arrived in between: then the rebuild is due to their change markers.
      assertThat(second.changes()).isPositive();
      assertThat(second.state().generation()).isGreaterThan(first.state().generation());
    }
    assertThat(TestDb.count("SELECT generation FROM aggregate_state")).isGreaterThanOrEqualTo(second.state().generation());
  }

  @Test
  void onlyStatementsThatChangeEventsInvalidateTheirBuckets() throws Exception {
    String client = newClientId("marks");
    JsonPath stored = given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-10-02T00:00:00Z")).post("/events")
        .then().statusCode(201).extract().jsonPath();
    // Repeatable read: this transaction sees its own markers and none committed by concurrent tests.
    try (Connection c = TestDb.connect()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      long before = markers(c);
      String insert = "INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version) "
          + "VALUES (?, ?, 'm', 1, '2024-10-02T00:00:00Z', ?, 0) ON CONFLICT DO NOTHING";
      try (PreparedStatement retry = c.prepareStatement(insert)) {
        retry.setString(1, client);
        retry.setString(2, stored.getString("fingerprint"));
        retry.setLong(3, stored.getLong("rawId"));
        assertThat(retry.executeUpdate()).isZero();
      }
      assertThat(markers(c)).as("a retry that inserts nothing changes no aggregate").isEqualTo(before);
      try (PreparedStatement fresh = c.prepareStatement(insert)) {
        fresh.setString(1, client);
        fresh.setString(2, "another-fingerprint");
        fresh.setLong(3, stored.getLong("rawId"));
        assertThat(fresh.executeUpdate()).isOne();
      }
      assertThat(markers(c)).isEqualTo(before + 1);
      try (PreparedStatement bucket = c.prepareStatement("SELECT metric, bucket AT TIME ZONE 'UTC' AS bucket FROM aggregate_invalidations "
          + "WHERE client_id = ?")) {
        bucket.setString(1, client);
        try (ResultSet rs = bucket.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("metric")).isEqualTo("m");
          assertThat(rs.getString("bucket")).as("the event's 15-minute bucket").isEqualTo("2024-10-02 00:00:00");
        }
      }
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM events WHERE client_id = ? AND fingerprint = 'another-fingerprint'")) {
        delete.setString(1, client);
        delete.executeUpdate();
      }
      assertThat(markers(c)).isEqualTo(before + 2);
      c.rollback();
    }
  }

  private static long markers(Connection c) throws Exception {
    try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM aggregate_invalidations"); ResultSet rs = count.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
