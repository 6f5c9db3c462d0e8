package dev.tally.replay;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.Events;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /replays (newest first, paginated, filtered) and POST /replays/{id}/cancel (runner stops at a chunk boundary). */
@QuarkusTest
@ExtendWith(AdminKey.class)
class ReplayListAndCancelTest {

  @Inject ReplayRunner runner;

  @Test
  void replaysAreListedNewestFirstPageByPageAndFiltered() {
    String client = Events.newClientId("listreplays");
    long first = insertReplay(client, "succeeded");
    long second = insertReplay(client, "failed");
    long third = insertReplay(client, "cancelled");

    JsonPath page1 = given().get("/replays?clientId=" + client + "&limit=2").then().statusCode(200).extract().jsonPath();
    assertThat(page1.getList("items.id", Long.class)).containsExactly(third, second);
    assertThat(page1.getString("next")).isEqualTo(String.valueOf(second));
    JsonPath page2 = given().get("/replays?clientId=" + client + "&limit=2&after=" + page1.getString("next"))
        .then().statusCode(200).extract().jsonPath();
    assertThat(page2.getList("items.id", Long.class)).containsExactly(first);
    assertThat(page2.getString("next")).isNull();

    assertThat(given().get("/replays?clientId=" + client + "&state=failed").then().statusCode(200).extract().jsonPath()
        .getList("items.id", Long.class)).containsExactly(second);
    assertThat(given().get("/replays?limit=1").then().statusCode(200).extract().jsonPath().getList("items")).hasSize(1);

    given().get("/replays?state=done").then().statusCode(400).body("parameter", equalTo("state"));
    given().get("/replays?after=x").then().statusCode(400).body("parameter", equalTo("after"));
    given().get("/replays?limit=100000").then().statusCode(400).body("parameter", equalTo("limit"));
    given().header("Authorization", "Bearer " + Keys.readKey(client)).get("/replays?clientId=" + client).then().statusCode(403);
  }

  @Test
  void cancellingARunningReplayEndsItCancelledOnceAndAFinishedOneIsAConflict() {
    String client = Events.newClientId("cancelreplay");
    long running = insertReplay(client, "running");

    given().post("/replays/" + running + "/cancel").then().statusCode(200)
        .body("state", equalTo("cancelled")).body("finishedAt", org.hamcrest.Matchers.notNullValue());
    Map<String, Object> stored = TestDb.one("SELECT state, finished_at FROM replays WHERE id = ?", running);
    assertThat(stored.get("state")).isEqualTo("cancelled");
    Object finishedAt = stored.get("finished_at");
    assertThat(finishedAt).isNotNull();

    given().post("/replays/" + running + "/cancel").then().statusCode(200).body("state", equalTo("cancelled"));
    assertThat(TestDb.one("SELECT finished_at FROM replays WHERE id = ?", running).get("finished_at"))
        .as("cancelling again changes nothing").isEqualTo(finishedAt);

    long succeeded = insertReplay(client, "succeeded");
    given().post("/replays/" + succeeded + "/cancel").then().statusCode(409).contentType("application/problem+json");
    assertThat(TestDb.one("SELECT state FROM replays WHERE id = ?", succeeded).get("state")).isEqualTo("succeeded");
    given().post("/replays/999999999/cancel").then().statusCode(404);
    given().post("/replays/abc/cancel").then().statusCode(400).body("parameter", equalTo("id"));
    given().header("Authorization", "Bearer " + Keys.readKey(client)).post("/replays/" + succeeded + "/cancel").then().statusCode(403);

    // A new replay of the client may start: a cancelled one no longer holds the client's running slot.
    given().contentType(ContentType.JSON).body("{\"clientId\":\"" + client + "\"}").post("/replays").then().statusCode(202);
  }

  @Test
  void theRunnerOfACancelledReplayReplaysNoFurtherChunk() {
    String client = Events.newClientId("cancelrunner");
    for (int i = 0; i < 3; i++) {
      given().contentType(ContentType.JSON)
          .body("{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"price\":" + (i + 1) + ",\"timestamp\":\"2024-01-01T00:00:00Z\"}")
          .post("/events").then().statusCode(422);
    }
    given().contentType(ContentType.JSON).body("{\"fields\":{\"amount\":\"/price\"}}").put("/clients/" + client + "/mapping")
        .then().statusCode(201);
    long maxRawId = TestDb.count("SELECT max(id) FROM raw_events WHERE client_id = ?", client);
    long id = ((Number) TestDb.one("INSERT INTO replays (client_id, statuses, max_raw_id, total) VALUES (?, '{rejected}', ?, 3) RETURNING id",
        client, maxRawId).get("id")).longValue();
    given().post("/replays/" + id + "/cancel").then().statusCode(200);

    // As a replica resuming it would (or a runner that was between chunks when the cancellation committed).
    runner.start(new Replay(id, client, List.of("rejected"), null, null, maxRawId, 0));

    Awaitility.await("the cancelled replay staying untouched").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> TestDb.one("SELECT state, processed, cursor_id FROM replays WHERE id = ?", id),
            stored -> stored.equals(Map.of("state", "cancelled", "processed", 0L, "cursor_id", 0L)));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'rejected'", client))
        .as("no row was replayed").isEqualTo(3);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isZero();
  }

  private static long insertReplay(String client, String state) {
    return ((Number) TestDb.one("INSERT INTO replays (client_id, statuses, max_raw_id, total, state, finished_at)"
        + " VALUES (?, '{rejected}', 0, 0, ?, CASE WHEN ? = 'running' THEN NULL ELSE now() END) RETURNING id", client, state, state)
        .get("id")).longValue();
  }
}
