package dev.tally.ingest;

import static dev.tally.support.Events.eventWithId;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A saturated pool is "the database is unavailable", not a bug: with {@code events} locked, the few pooled
 * connections hang in settle transactions, and every other request either waits past the acquisition timeout or
 * finds the wait queue full. Each must answer 503 with Retry-After (nothing acknowledged), never 500, and the raw
 * rows left pending are settled by the recovery job without counting anything twice.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
@TestProfile(PoolSaturationTest.TinyPool.class)
class PoolSaturationTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int REQUESTS = 40;

  public static class TinyPool implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          // Small enough to saturate at once, large enough for startup (key install, recovery, refresh) to get one
          // in time on a busy machine.
          "quarkus.datasource.reactive.max-size", "4",
          "tally.database.acquisition-timeout", "2s",
          // Past the queue: failed at once (ConnectionPoolTooBusyException); in it: failed after the acquisition timeout.
          "tally.database.max-wait-queue-size", "15",
          "tally.ingest.request-deadline", "6s",
          // The test runs the recovery itself, once the lock is gone.
          "tally.recovery.interval", "1h");
    }
  }

  @Inject RecoveryJob recovery;

  @Test
  void everyAnswerIs201Or503WithRetryAfterAndTheLeftoversAreRecoveredOnce() throws Exception {
    String client = newClientId("saturated");
    List<Response> answers = new ArrayList<>();
    ExecutorService senders = Executors.newFixedThreadPool(REQUESTS);
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
      List<CompletableFuture<Response>> sent = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        String body = eventWithId(client, "e" + i, String.valueOf(i));
        sent.add(CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON).body(body).post("/events"), senders));
      }
      for (CompletableFuture<Response> answer : sent) {
        answers.add(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      }
      lock.rollback();
    } finally {
      senders.shutdownNow();
    }

    for (Response answer : answers) {
      assertThat(answer.statusCode()).as("answer %s", answer.asString()).isIn(201, 503);
      if (answer.statusCode() == 503) {
        assertThat(answer.header("Retry-After")).as("Retry-After of %s", answer.asString()).isNotBlank();
        assertThat(answer.contentType()).startsWith("application/problem+json");
      }
    }
    assertThat(answers).as("the pool was saturated").anyMatch(answer -> answer.statusCode() == 503);

    // The settle transactions that held the lock finish once it is gone; what is still pending is the recovery's.
    awaitNoActiveSettle(client);
    recovery.recover(Duration.ZERO, 500, 20).await().atMost(TIMEOUT);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'pending'", client)).isZero();
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status <> 'accepted'", client)).isZero();

    // The clients retry what was not acknowledged: every event ends counted exactly once.
    for (int i = 0; i < REQUESTS; i++) {
      int status = given().contentType(ContentType.JSON).body(eventWithId(client, "e" + i, String.valueOf(i))).post("/events").statusCode();
      assertThat(status).isIn(200, 201);
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(REQUESTS);
    assertThat(TestDb.count("SELECT count(DISTINCT event_id) FROM events WHERE client_id = ?", client)).isEqualTo(REQUESTS);
  }

  /** Waits until no backend works on this test's rows any more (the ones that waited on the lock committed). */
  private static void awaitNoActiveSettle(String client) {
    await("settle transactions of " + client + " finishing").atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> TestDb.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle'"
            + " AND pid <> pg_backend_pid() AND query LIKE '%tally_settle(%'") == 0);
  }
}
