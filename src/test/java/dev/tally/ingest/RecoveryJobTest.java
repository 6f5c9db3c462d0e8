package dev.tally.ingest;

import static dev.tally.support.Events.newClientId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Raw rows left pending by a crash between the raw commit and the settle transaction are finished later. */
@QuarkusTest
class RecoveryJobTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Inject RecoveryJob recovery;

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

  /** A raw row as a crash right after the raw commit leaves it: pending, received an hour ago. */
  private static long insertPending(String json, byte[] rawBody) {
    Map<String, Object> row = TestDb.one(
        "INSERT INTO raw_events (received_at, client_id, payload, raw_body, status) "
            + "VALUES (now() - interval '1 hour', NULL, ?::jsonb, ?, 'pending') RETURNING id",
        json, rawBody);
    return ((Number) row.get("id")).longValue();
  }
}
