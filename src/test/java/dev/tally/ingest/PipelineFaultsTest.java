package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults in the middle of the pipeline, made deterministic: a JDBC session holds a SHARE lock on {@code events},
 * so a request commits its raw row and then waits in the settle transaction's event insert — exactly between the
 * raw insert and the normalized insert. The test then terminates that backend, as a crashed or restarted
 * PostgreSQL connection would end.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class PipelineFaultsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Inject RecoveryJob recovery;

  @TestHTTPResource("/events") URL events;

  @Test
  void connectionKilledBetweenRawInsertAndSettleIs5xxThenRecoveredAndTheRetryIsADuplicate() throws Exception {
    String client = newClientId("killed-mid-pipeline");
    String body = event(client, "m", "12.50", "2024-03-01T00:00:00Z");

    CompletableFuture<Response> first;
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN SHARE MODE");
      first = CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON).body(body).post("/events"));
      awaitBackendWaitingOnEventsInsert();
      // Every backend stuck on the events insert: ours (and, should it be running, a recovery run that just retries).
      long terminated = TestDb.count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
          + "WHERE wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'");
      assertThat(terminated).isPositive();
      lock.rollback();
    }
    Response answer = first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.header("Retry-After")).isNotBlank();
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE client_id = ?", client)).containsEntry("status", "pending");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isZero();

    recovery.recover(Duration.ZERO, 500, 20).await().atMost(TIMEOUT);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE client_id = ?", client)).containsEntry("status", "accepted");

    Response retry = given().contentType(ContentType.JSON).body(body).post("/events");
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.jsonPath().getString("status")).isEqualTo("duplicate");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.one("SELECT amount::text AS amount FROM events WHERE client_id = ?", client)).containsEntry("amount", "12.5");
  }

  @Test
  void clientThatDisconnectsRightAfterSendingTheWholeBodyStillHasItsEventStored() throws Exception {
    String client = newClientId("vanished");
    byte[] body = event(client, "m", "3", "2024-03-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(events.getHost(), events.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + AdminKey.KEY + "\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
    } // closed without reading the answer

    await("the event of the vanished client stored").atMost(TIMEOUT)
        .until(() -> TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted'", client) > 0);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    Response retry = given().contentType(ContentType.JSON).body(body).post("/events");
    assertThat(retry.jsonPath().getString("status")).isEqualTo("duplicate");
  }

  @Test
  void aConnectionKilledDuringRecoveryFailsTheRunAndMarksNoRow() throws Exception {
    String client = newClientId("killed-recovery");
    long rawId = ((Number) TestDb.one("INSERT INTO raw_events (received_at, client_id, payload, status)"
        + " VALUES (now() - interval '1 hour', ?, ?::jsonb, 'pending') RETURNING id",
        client, event(client, "m", "1", "2024-03-01T00:00:00Z")).get("id")).longValue();

    CompletableFuture<Integer> run;
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN SHARE MODE");
      run = recovery.recover(Duration.ZERO, 500, 20).subscribeAsCompletionStage().toCompletableFuture();
      awaitBackendWaitingOnEventsInsert();
      TestDb.count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
          + "WHERE wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'");
      lock.rollback();
    }

    // A transient failure is not the row's fault: the run fails as a whole, nothing is marked, the next run settles it.
    assertThat(run).failsWithin(TIMEOUT);
    assertThat(TestDb.one("SELECT status, settle_attempts, settle_error FROM raw_events WHERE id = ?", rawId))
        .containsEntry("status", "pending").containsEntry("settle_attempts", 0).containsEntry("settle_error", null);
    recovery.recover(Duration.ZERO, 500, 20).await().atMost(TIMEOUT);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", rawId)).containsEntry("status", "accepted");
  }

  static void awaitBackendWaitingOnEventsInsert() {
    await("a request waiting on the events insert").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
        .until(() -> TestDb.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'") > 0);
  }
}
