package dev.tally.replay;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A replay whose runner died (crash, restart, lost replica) is resumed from its last committed chunk. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class ReplayResumeTest {

  @Inject ReplayRunner runner;

  @Test
  void aStaleReplayIsResumedFromItsCursorAndFinishes() throws Exception {
    String client = newClientId("resume");
    for (int i = 0; i < 4; i++) {
      given().contentType(ContentType.JSON)
          .body("{\"clientId\":\"" + client + "\",\"kind\":\"m\",\"amount\":" + i + ",\"timestamp\":\"2024-01-01T00:00:00Z\"}")
          .post("/events").then().statusCode(422);
    }
    given().contentType(ContentType.JSON).body("{\"fields\":{\"metric\":\"/kind\"}}").put("/clients/" + client + "/mapping")
        .then().statusCode(201);
    long first = ((Number) TestDb.one("SELECT min(id) AS id FROM raw_events WHERE client_id = ?", client).get("id")).longValue();
    long last = ((Number) TestDb.one("SELECT max(id) AS id FROM raw_events WHERE client_id = ?", client).get("id")).longValue();
    // As a crash leaves it: running, the first row already done (cursor), no heartbeat for ten minutes.
    long id = ((Number) TestDb.one("INSERT INTO replays (client_id, statuses, max_raw_id, cursor_id, total, processed, heartbeat_at)"
        + " VALUES (?, '{rejected}', ?, ?, 4, 1, now() - interval '10 minutes') RETURNING id", client, last, first).get("id")).longValue();

    runner.resumeStale().await().atMost(Duration.ofSeconds(10));

    Map<String, Object> replay = await("the resumed replay finishing").atMost(Duration.ofSeconds(30))
        .until(() -> TestDb.one("SELECT state, processed, accepted FROM replays WHERE id = ?", id), row -> !"running".equals(row.get("state")));
    assertThat(replay).containsEntry("state", "succeeded").containsEntry("processed", 4L).containsEntry("accepted", 3L);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", first)).containsEntry("status", "rejected");
  }
}
