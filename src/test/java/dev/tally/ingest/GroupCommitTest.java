package dev.tally.ingest;

import static dev.tally.support.Events.event;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Groups made deterministic: one writer, and requests wait for it as long as it takes. A JDBC session holds a SHARE
 * lock on {@code events}, so the writer's first group (one request) commits its raw row and waits in its settle; the
 * requests sent meanwhile gather into one group, which goes out when the lock is released.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
@TestProfile(GroupCommitTest.OneWriter.class)
class GroupCommitTest {

  public static class OneWriter implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("tally.ingest.group-commit.writers", "1", "tally.ingest.group-commit.max-wait", "1m",
          "tally.ingest.group-commit.max-queued-events", "8");
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ExecutorService SENDERS = Executors.newFixedThreadPool(12);

  @Inject GroupCommit groupCommit;
  @Inject MeterRegistry metrics;

  @AfterAll
  static void stopSenders() {
    SENDERS.shutdownNow();
  }

  @Test
  void aPoisonedMemberFailsAloneAndTheOthersOfItsGroupAreStoredWithTheirOwnAnswers() throws Exception {
    SettleRefusal.install();
    String client = newClientId("group");
    String repeated = eventWithId(client, "twice", "5");
    List<String> bodies = List.of(
        eventWithId(client, "a", "1"),
        repeated,
        SettleRefusal.event(client, "2024-03-01T00:00:00Z"),
        repeated,
        "[" + eventWithId(client, "b", "2") + "," + eventWithId(client, "b", "2") + "]");
    double isolatedBefore = metrics.counter("tally.ingest.group.isolated").count();

    List<Response> answers = inOneGroup(client, bodies);

    assertThat(answers.get(0).statusCode()).isEqualTo(201);
    // The same event from two requests of one group: the raw row stored first stands for it, the other is its duplicate.
    assertThat(List.of(answers.get(1).statusCode(), answers.get(3).statusCode())).containsExactlyInAnyOrder(201, 200);
    long firstRaw = answers.get(1).jsonPath().getLong("rawId");
    long secondRaw = answers.get(3).jsonPath().getLong("rawId");
    Response duplicate = firstRaw < secondRaw ? answers.get(3) : answers.get(1);
    assertThat(duplicate.jsonPath().getString("status")).isEqualTo("duplicate");
    assertThat(duplicate.jsonPath().getLong("originalRawId")).isEqualTo(Math.min(firstRaw, secondRaw));
    // The database refused the poisoned event's insert, which failed the group's shared settle: it alone gets the error.
    assertThat(answers.get(2).statusCode()).isEqualTo(500);
    assertThat(answers.get(2).contentType()).startsWith("application/problem+json");
    assertThat(answers.get(4).statusCode()).isEqualTo(200);
    assertThat(answers.get(4).jsonPath().getInt("accepted")).isEqualTo(1);
    assertThat(answers.get(4).jsonPath().getInt("duplicates")).isEqualTo(1);
    assertThat(metrics.counter("tally.ingest.group.isolated").count()).isEqualTo(isolatedBefore + 1);

    // Raw rows of every member, the poisoned one left pending for the recovery job; each other event stored once.
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(1 + 6);
    assertThat(TestDb.query("SELECT status FROM raw_events WHERE client_id = ? AND payload->>'metric' = ?", client, SettleRefusal.METRIC))
        .containsExactly(Map.of("status", "pending"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted'", client)).isEqualTo(1 + 3);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'duplicate'", client)).isEqualTo(2);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1 + 3);
    TestDb.update("UPDATE raw_events SET status = 'rejected', processed_at = now() WHERE client_id = ? AND status = 'pending'", client);
  }

  @Test
  void aFullQueueIsAnswered503AtOnceAndTheQueuedRequestsAreStored() throws Exception {
    String client = newClientId("full-queue");
    List<CompletableFuture<Response>> queued = new ArrayList<>();
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN SHARE MODE");
      CompletableFuture<Response> blocker = send(eventWithId(client, "blocker", "1"));
      awaitWriting();
      // 1 event being written, 7 waiting: the queue (max-queued-events 8) is full.
      for (int i = 0; i < 7; i++) {
        queued.add(send(eventWithId(client, "q" + i, "1")));
      }
      await().atMost(TIMEOUT).until(() -> groupCommit.queuedEvents() == 7);
      Response refused = given().contentType(ContentType.JSON).body(eventWithId(client, "refused", "1")).post("/events");
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isNotBlank();
      queued.add(blocker);
      lock.rollback();
    }
    for (CompletableFuture<Response> answer : queued) {
      assertThat(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(8);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(8);
  }

  @Test
  void requestsArrivingWhileAGroupIsWrittenRideOnItsSettleAndAPoisonedSettleLetsThemThroughAlone() throws Exception {
    SettleRefusal.install();
    String client = newClientId("carried");
    double carriedBefore = metrics.counter("tally.ingest.group.carried").count();

    // The first group's raw insert waits on a lock while two requests gather behind the busy writer: the first
    // group's settle carries their raw insert, one commit for both groups.
    List<Response> answers = behindARawInsert(client, eventWithId(client, "first", "1"),
        List.of(eventWithId(client, "second", "2"), eventWithId(client, "third", "3")));
    assertThat(answers).extracting(Response::statusCode).containsExactly(201, 201, 201);
    assertThat(metrics.counter("tally.ingest.group.carried").count()).isEqualTo(carriedBefore + 1);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted'", client)).isEqualTo(3);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);

    // The same with a settle the database refuses: the carried requests are stored and answered all the same, the
    // poisoned request alone gets the error and its raw row stays pending.
    answers = behindARawInsert(client, SettleRefusal.event(client, "2024-03-01T00:00:00Z"),
        List.of(eventWithId(client, "fourth", "4"), eventWithId(client, "first", "1")));
    assertThat(answers).extracting(Response::statusCode).containsExactly(500, 201, 200);
    assertThat(metrics.counter("tally.ingest.group.carried").count()).isEqualTo(carriedBefore + 2);
    assertThat(answers.get(2).jsonPath().getString("status")).isEqualTo("duplicate");
    assertThat(TestDb.query("SELECT status FROM raw_events WHERE client_id = ? AND payload->>'metric' = ?", client, SettleRefusal.METRIC))
        .containsExactly(Map.of("status", "pending"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(6);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(4);
    TestDb.update("UPDATE raw_events SET status = 'rejected', processed_at = now() WHERE client_id = ? AND status = 'pending'", client);
  }

  /**
   * Sends {@code first} while raw_events is locked against inserts, so that the only writer's group waits in its raw
   * insert, then {@code others}, which gather in the queue; releases the lock and returns the answers in that order.
   */
  private List<Response> behindARawInsert(String client, String first, List<String> others) throws Exception {
    List<CompletableFuture<Response>> sent = new ArrayList<>();
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE raw_events IN SHARE MODE");
      sent.add(send(first));
      await("the writer waiting in its raw insert").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
          .until(() -> groupCommit.writing() == 1 && TestDb.count("SELECT count(*) FROM pg_stat_activity"
              + " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO raw_events%'") > 0);
      for (String body : others) {
        sent.add(send(body));
      }
      await("the requests gathered behind the busy writer").atMost(TIMEOUT).until(() -> groupCommit.queuedEvents() == others.size());
      lock.rollback();
    }
    List<Response> answers = new ArrayList<>();
    for (CompletableFuture<Response> answer : sent) {
      answers.add(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    }
    return answers;
  }

  /** Sends the bodies while the only writer is held busy, so that they all go out in the one next group. */
  private List<Response> inOneGroup(String client, List<String> bodies) throws Exception {
    List<CompletableFuture<Response>> sent = new ArrayList<>();
    CompletableFuture<Response> blocker;
    int events = 0;
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN SHARE MODE");
      blocker = send(event(client, "blocker", "1", "2024-03-01T00:00:00Z"));
      awaitWriting();
      for (String body : bodies) {
        sent.add(send(body));
        events += body.startsWith("[") ? 2 : 1;
      }
      int gathered = events;
      await("the requests gathered behind the busy writer").atMost(TIMEOUT).until(() -> groupCommit.queuedEvents() == gathered);
      lock.rollback();
    }
    assertThat(blocker.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    List<Response> answers = new ArrayList<>();
    for (CompletableFuture<Response> answer : sent) {
      answers.add(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    }
    return answers;
  }

  /** The writer's group committed its raw rows and waits on the lock in its settle. */
  private void awaitWriting() {
    await("the writer waiting in its settle").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
        .until(() -> groupCommit.writing() == 1 && TestDb.count("SELECT count(*) FROM pg_stat_activity"
            + " WHERE wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'") > 0);
  }

  private static CompletableFuture<Response> send(String body) {
    return CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON).body(body).post("/events"), SENDERS);
  }
}
