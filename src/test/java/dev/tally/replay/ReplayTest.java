package dev.tally.replay;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.ingest.SettleRefusal;
import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** POST /replays and GET /replays/{id}: validation, one replay per client, counted events never move. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class ReplayTest {

  @Test
  void replayRequestsAreValidatedNamingTheParameter() {
    String c = newClientId("badreplay");
    post("{\"statuses\":[\"rejected\"]}").then().statusCode(400).body("parameter", equalTo("clientId"));
    post("{\"clientId\":\"bad id\"}").then().statusCode(400).body("parameter", equalTo("clientId"));
    post("{\"clientId\":\"" + c + "\",\"statuses\":[\"pending\"]}").then().statusCode(400).body("parameter", equalTo("statuses"));
    post("{\"clientId\":\"" + c + "\",\"statuses\":[\"nope\"]}").then().statusCode(400).body("parameter", equalTo("statuses"));
    post("{\"clientId\":\"" + c + "\",\"from\":\"yesterday\"}").then().statusCode(400).body("parameter", equalTo("from"));
    post("{\"clientId\":\"" + c + "\",\"from\":\"+300000-01-01T00:00:00Z\"}").then().statusCode(400).body("parameter", equalTo("from"));
    post("{\"clientId\":\"" + c + "\",\"to\":\"-4714-01-01T00:00:00Z\"}").then().statusCode(400).body("parameter", equalTo("to"));
    post("{\"clientId\":\"" + c + "\",\"from\":\"2024-02-01T00:00:00Z\",\"to\":\"2024-01-01T00:00:00Z\"}")
        .then().statusCode(400).body("parameter", equalTo("to"));
    assertThat(TestDb.count("SELECT count(*) FROM replays WHERE client_id IN (?, 'bad id')", c)).as("refused requests store nothing").isZero();
    given().get("/replays/abc").then().statusCode(400).body("parameter", equalTo("id"));
    given().get("/replays/999999999").then().statusCode(404).contentType("application/problem+json");
  }

  @Test
  void onlyOneReplayPerClientRunsAtATime() {
    String client = newClientId("onereplay");
    long running = ((Number) TestDb.one("INSERT INTO replays (client_id, statuses, max_raw_id, total) "
        + "VALUES (?, '{rejected}', 0, 0) RETURNING id", client).get("id")).longValue();
    try {
      post("{\"clientId\":\"" + client + "\"}").then().statusCode(409).contentType("application/problem+json");
      assertThat(TestDb.count("SELECT count(*) FROM replays WHERE client_id = ?", client)).as("the refused replay stores nothing").isEqualTo(1);
    } finally {
      TestDb.update("UPDATE replays SET state = 'succeeded', finished_at = now() WHERE id = ?", running);
    }
    JsonPath done = LegacyClientOnboardingTest.replay(client);
    assertThat(done.getString("state")).isEqualTo("succeeded");
    assertThat(done.getLong("total")).isZero();
  }

  @Test
  void rowsRefusedAtIngestAreOutOfEveryReplaysScope() {
    String mine = newClientId("keyowner");
    String other = newClientId("victim");
    String ingestKey = Keys.ingestKey(mine);
    // Refused at ingest: the event names another client than the key's; filed, rejected, under the key's client.
    given().header("Authorization", "Bearer " + ingestKey).contentType(ContentType.JSON)
        .body(event(other, "m", "1", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(422).body("errors[0].code", equalTo("client_mismatch"));
    // An ordinary rejection of the same client, which a replay does take.
    given().header("Authorization", "Bearer " + ingestKey).contentType(ContentType.JSON)
        .body("{\"metric\":\"m\",\"amount\":1}").post("/events").then().statusCode(422);

    JsonPath replay = LegacyClientOnboardingTest.replay(mine);

    assertThat(replay.getLong("total")).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", other))
        .as("a replay of the key owner's rows must not accept an event the key was not allowed to send").isZero();
    assertThat(TestDb.one("SELECT status, refused_at_ingest FROM raw_events WHERE client_id = ? AND payload->>'clientId' = ?", mine, other))
        .containsEntry("status", "rejected").containsEntry("refused_at_ingest", true);
  }

  @Test
  void countedEventsNeverMoveWhenTheMappingWouldMakeThemDifferent() {
    String client = newClientId("stable");
    for (int i = 0; i < 3; i++) {
      given().contentType(ContentType.JSON)
          .body("{\"clientId\":\"" + client + "\",\"metric\":\"clicks\",\"kind\":\"views\",\"amount\":" + i
              + ",\"timestamp\":\"2024-01-01T00:00:00Z\"}")
          .post("/events").then().statusCode(201);
    }
    given().contentType(ContentType.JSON).body("{\"fields\":{\"metric\":\"/kind\"}}").put("/clients/" + client + "/mapping")
        .then().statusCode(201);

    JsonPath replay = LegacyClientOnboardingTest.replay(client, "[\"accepted\"]");

    assertThat(replay.getLong("processed")).isEqualTo(3);
    assertThat(replay.getLong("accepted")).isZero();
    assertThat(replay.getLong("conflicts")).isEqualTo(3);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ? AND metric = 'clicks'", client)).isEqualTo(3);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted' AND mapping_version = 0",
        client)).isEqualTo(3);
  }

  @Test
  void replayingAcceptedEventsUnderTheSameRulesChangesNothing() {
    String client = newClientId("sameagain");
    given().contentType(ContentType.JSON).body(event(client, "m", "1.5", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    given().contentType(ContentType.JSON).body(event(client, "m", "1.5", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(200);

    JsonPath replay = LegacyClientOnboardingTest.replay(client, "[\"accepted\",\"duplicate\"]");

    assertThat(replay.getLong("total")).isEqualTo(2);
    assertThat(replay.getLong("duplicates")).isEqualTo(2);
    assertThat(replay.getLong("accepted")).isZero();
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.query("SELECT status FROM raw_events WHERE client_id = ? ORDER BY id", client))
        .as("each raw row keeps its status").extracting(row -> row.get("status")).containsExactly("accepted", "duplicate");
  }

  @Test
  void aRowThatCannotBeSettledIsCountedFailedAndTheReplayCompletes() {
    SettleRefusal.install();
    String client = newClientId("poisonedreplay");
    long poisoned = insertRejected(client, SettleRefusal.event(client, "2024-01-01T00:00:00Z"));
    for (int i = 0; i < 4; i++) {
      insertRejected(client, event(client, "m", String.valueOf(i), "2024-01-01T00:00:00Z"));
    }

    JsonPath replay = LegacyClientOnboardingTest.replay(client);

    assertThat(replay.getString("state")).isEqualTo("succeeded");
    assertThat(replay.getLong("total")).isEqualTo(5);
    assertThat(replay.getLong("processed")).isEqualTo(5);
    assertThat(replay.getLong("accepted")).isEqualTo(4);
    assertThat(replay.getLong("failed")).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM replays WHERE client_id = ? AND failed = 1", client)).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(4);
    Map<String, Object> row = TestDb.one("SELECT status, settle_error, settle_attempts FROM raw_events WHERE id = ?", poisoned);
    assertThat(row).as("the row keeps its status, with the error of the attempt")
        .containsEntry("status", "rejected").containsEntry("settle_attempts", 1);
    assertThat((String) row.get("settle_error")).contains("22021");
  }

  /** A row a request rejected (say, before its client's mapping was fixed), ready to be replayed. */
  private static long insertRejected(String client, String json) {
    return ((Number) TestDb.one("INSERT INTO raw_events (client_id, payload, status, reasons, mapping_version, processed_at)"
        + " VALUES (?, ?::jsonb, 'rejected', '[{\"field\":\"amount\",\"code\":\"invalid_amount\",\"message\":\"-\"}]', 0, now())"
        + " RETURNING id", client, json).get("id")).longValue();
  }

  private static io.restassured.response.Response post(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/replays");
  }
}
