package dev.tally.ingest;

import static dev.tally.support.Events.eventWithId;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A request still waiting for a writer when tally.ingest.request-deadline passes was answered 503 at the deadline;
 * it is then dropped from the queue unwritten rather than written for nobody. One writer, held busy by a lock.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
@TestProfile(GroupCommitDeadlineTest.ShortDeadline.class)
class GroupCommitDeadlineTest {

  public static class ShortDeadline implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("tally.ingest.group-commit.writers", "1", "tally.ingest.group-commit.max-wait", "1m",
          "tally.ingest.request-deadline", "2s");
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Inject GroupCommit groupCommit;
  @Inject MeterRegistry metrics;

  @Test
  void aRequestThatWaitedPastItsDeadlineIsAnswered503AndNeverWritten() throws Exception {
    String client = newClientId("expired");
    double expiredBefore = metrics.counter("tally.ingest.group.expired").count();
    CompletableFuture<Response> blocker;
    Response late;
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN SHARE MODE");
      blocker = CompletableFuture.supplyAsync(() -> post(eventWithId(client, "blocker", "1")));
      await("the writer held in its settle").atMost(TIMEOUT).until(() -> groupCommit.writing() == 1
          && TestDb.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'") > 0);
      late = post(eventWithId(client, "late", "2"));
      // Answered at the deadline while still queued behind the busy writer.
      assertThat(late.statusCode()).isEqualTo(503);
      assertThat(late.header("Retry-After")).isNotBlank();
      assertThat(groupCommit.queuedEvents()).isEqualTo(1);
      lock.rollback();
    }
    // The blocker's group had its raw row committed before the deadline; it is settled when the lock goes.
    blocker.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(TIMEOUT).until(() -> groupCommit.queuedEvents() == 0 && groupCommit.writing() == 0);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND payload->>'eventId' = 'late'", client)).isZero();
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND payload->>'eventId' = 'blocker'", client)).isEqualTo(1);
    assertThat(metrics.counter("tally.ingest.group.expired").count()).isEqualTo(expiredBefore + 1);
    // The retry is written as a new request.
    assertThat(post(eventWithId(client, "late", "2")).statusCode()).isEqualTo(201);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(2);
  }

  private static Response post(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/events");
  }
}
