package dev.tally.ingest;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Raw rows left pending by a crash between the raw commit and the settle transaction are finished later. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class RecoveryJobTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Inject RecoveryJob recovery;
  @Inject MeterRegistry metrics;

  @Test
  void pendingRowLeftByACrashIsSettledOnceAndRerunsChangeNothing() {
    String client = newClientId("crash");
    String json = "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":\"9.90\",\"timestamp\":\"2024-02-01T00:00:00Z\"}";
    long rawId = insertPending(json, null);

    recovery.recover(Duration.ofMinutes(5), 100, 10).await().atMost(TIMEOUT);

    Map<String, Object> raw = TestDb.one("SELECT status, fingerprint, processed_at IS NOT NULL AS done FROM raw_events WHERE id = ?", rawId);
    assertThat(raw).containsEntry("status", "accepted").containsEntry("done", true);
    Map<String, Object> event = TestDb.one("SELECT raw_id, amount::text AS amount, fingerprint FROM events WHERE client_id = ?", client);
    assertThat(event).containsEntry("raw_id", rawId).containsEntry("amount", "9.9").containsEntry("fingerprint", raw.get("fingerprint"));

    recovery.recover(Duration.ofMinutes(5), 100, 10).await().atMost(TIMEOUT);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", rawId)).containsEntry("status", "accepted");
  }

  @Test
  void originalAndRetryBothLeftPendingCountOnce() {
    String client = newClientId("halfway");
    String json = "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":\"2024-02-01T00:00:00Z\",\"eventId\":\"e1\"}";
    long first = insertPending(json, null);
    long retry = insertPending(json, null);

    recovery.recover(Duration.ofMinutes(5), 100, 10).await().atMost(TIMEOUT);

    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", first)).containsEntry("status", "accepted");
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", retry)).containsEntry("status", "duplicate");
  }

  @Test
  void pendingRowStoredAsExactBytesIsRecoveredToo() {
    String client = newClientId("rawbytes");
    String text = "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1,\"amount\":1,\"timestamp\":1706745600}";
    long rawId = insertPending(null, text.getBytes(StandardCharsets.UTF_8));

    recovery.recover(Duration.ofMinutes(5), 100, 10).await().atMost(TIMEOUT);

    Map<String, Object> raw = TestDb.one("SELECT status, reasons->0->>'code' AS code FROM raw_events WHERE id = ?", rawId);
    assertThat(raw).containsEntry("status", "rejected").containsEntry("code", "duplicate_key");
  }

  @Test
  void rowsStillWithinTheGracePeriodAreLeftToTheirRequest() {
    String client = newClientId("fresh");
    long rawId = TestDb.one(
        "INSERT INTO raw_events (client_id, payload, status) VALUES (?, ?::jsonb, 'pending') RETURNING id",
        client, "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":1706745600}").values()
        .stream().map(v -> ((Number) v).longValue()).findFirst().orElseThrow();

    recovery.recover(Duration.ofMinutes(5), 100, 10).await().atMost(TIMEOUT);

    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", rawId)).containsEntry("status", "pending");
    TestDb.update("UPDATE raw_events SET received_at = now() - interval '1 hour' WHERE id = ?", rawId);
    recovery.recover(Duration.ofMinutes(5), 100, 10).await().atMost(TIMEOUT);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", rawId)).containsEntry("status", "accepted");
  }

  @Test
  void aRowThatCannotBeSettledIsMarkedAndEveryOtherPendingRowIsSettled() {
    SettleRefusal.install();
    String poisonedClient = newClientId("poisoned");
    // Read before the rows exist: the scheduled run may settle (and fail) them before this test's own run does.
    double failuresBefore = settleFailures();
    // The oldest pending row of all, so it is in the first chunk every run claims.
    long poisoned = insertPending(poisonedClient, SettleRefusal.event(poisonedClient, "2024-02-01T00:00:00Z"), "2 hours");
    List<String> clients = List.of(poisonedClient, newClientId("neighbour"), newClientId("neighbour"));
    List<Long> good = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      String client = clients.get(i % clients.size());
      good.add(insertPending(client, "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":" + i
          + ",\"timestamp\":\"2024-02-01T00:00:00Z\"}", "1 hour"));
    }

    recovery.recover(Duration.ofMinutes(5), 500, 10).await().atMost(TIMEOUT);
    // The scheduled run (at startup, then every tally.recovery.interval) may hold some of these rows at that moment:
    // claims skip locked rows, so its rows are settled by it, a moment later.
    await("the good rows settled").atMost(TIMEOUT).until(() -> {
      if (TestDb.count("SELECT count(*) FROM raw_events WHERE id = ANY(?) AND status = 'pending'", (Object) good.toArray(new Long[0])) == 0) {
        return true;
      }
      recovery.recover(Duration.ofMinutes(5), 500, 10).await().atMost(TIMEOUT);
      return false;
    });

    for (long id : good) {
      assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", id)).as("raw row %d", id).containsEntry("status", "accepted");
    }
    for (String client : clients) {
      assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);
    }
    Map<String, Object> marked = TestDb.one(
        "SELECT status, settle_error, settle_attempts, settle_failed_at IS NOT NULL AS failed FROM raw_events WHERE id = ?", poisoned);
    assertThat(marked).containsEntry("status", "pending").containsEntry("settle_attempts", 1).containsEntry("failed", true);
    assertThat((String) marked.get("settle_error")).contains("22021").contains(SettleRefusal.METRIC);
    assertThat(settleFailures() - failuresBefore).isEqualTo(1.0);

    // The next run neither fails nor takes the marked row again before its retry is due.
    recovery.recover(Duration.ofMinutes(5), 500, 10).await().atMost(TIMEOUT);
    assertThat(TestDb.one("SELECT settle_attempts FROM raw_events WHERE id = ?", poisoned)).containsEntry("settle_attempts", 1);

    // An operator sees it, pending with its error.
    given().queryParam("clientId", poisonedClient).queryParam("status", "pending").get("/raw-events")
        .then().statusCode(200)
        .body("items", hasSize(1))
        .body("items[0].id", equalTo((int) poisoned))
        .body("items[0].settleError", containsString("22021"))
        .body("items[0].settleAttempts", equalTo(1))
        .body("items[0].settleFailedAt", notNullValue());
  }

  @Test
  void aMarkedRowIsTakenAgainOnceItsRetryIsDueAndSettlesWhenItCan() {
    String client = newClientId("retried");
    long rawId = insertPending(client, "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":1706745600}", "1 hour");
    // As a failed run left it: marked, its last attempt long enough ago (a fixed release has been deployed since).
    TestDb.update("UPDATE raw_events SET settle_error = 'boom', settle_attempts = 3, settle_failed_at = now() - interval '1 day' WHERE id = ?",
        rawId);

    recovery.recover(Duration.ofMinutes(5), 500, 10).await().atMost(TIMEOUT);

    assertThat(TestDb.one("SELECT status, settle_error FROM raw_events WHERE id = ?", rawId))
        .containsEntry("status", "accepted").containsEntry("settle_error", null);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
  }

  private double settleFailures() {
    Counter counter = metrics.find("tally.settle.failures").tag("job", "recovery").counter();
    return counter == null ? 0 : counter.count();
  }

  /** A raw row as a crash right after the raw commit leaves it: pending, received an hour ago. */
  private static long insertPending(String json, byte[] rawBody) {
    Map<String, Object> row = TestDb.one(
        "INSERT INTO raw_events (received_at, client_id, payload, raw_body, status) "
            + "VALUES (now() - interval '1 hour', ?, ?::jsonb, ?, 'pending') RETURNING id",
        TestDb.unknownClient(), json, rawBody);
    return ((Number) row.get("id")).longValue();
  }

  /** A pending row filed under its client, as a request that died before settling leaves it, received {@code age} ago. */
  private static long insertPending(String clientId, String json, String age) {
    Map<String, Object> row = TestDb.one(
        "INSERT INTO raw_events (received_at, client_id, payload, status) VALUES (now() - ?::interval, ?, ?::jsonb, 'pending') RETURNING id",
        age, clientId, json);
    return ((Number) row.get("id")).longValue();
  }
}
