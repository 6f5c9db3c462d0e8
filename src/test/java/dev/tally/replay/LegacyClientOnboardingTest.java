package dev.tally.replay;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A legacy client with its own field names, minor units and local timestamps: rejected at first, onboarded
 * with a mapping, its old events replayed, each counted exactly once however often it is replayed.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class LegacyClientOnboardingTest {

  private static final String MAPPING = """
      {"fields": {"amount": "/price", "timestamp": "/meta/ts", "metric": "/event", "eventId": "/txn"},
       "timestampFormat": "pattern:yyyy-MM-dd HH:mm:ss", "timezone": "Europe/Berlin", "amountScale": 2}""";

  @Test
  void rejectedThenMappedThenReplayedCountsEachEventOnce() {
    String client = newClientId("legacy");
    // Before the mapping: every legacy event is rejected and kept raw.
    for (int i = 1; i <= 3; i++) {
      given().contentType(ContentType.JSON).body(legacyEvent(client, "t" + i, 1999 * i, "2024-03-0" + i + " 10:00:00"))
          .post("/events").then().statusCode(422).body("errors[0].code", equalTo("missing_field"));
    }
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'rejected'", client)).isEqualTo(3);

    given().contentType(ContentType.JSON).body(MAPPING).put("/clients/" + client + "/mapping").then().statusCode(201);

    // New events are accepted with mapping version 1; one of them is a legacy event sent again.
    given().contentType(ContentType.JSON).body(legacyEvent(client, "t4", 500, "2024-03-04 10:00:00")).post("/events")
        .then().statusCode(201)
        .body("event.amount", equalTo(5))
        .body("event.timestamp", equalTo("2024-03-04T09:00:00Z"))
        .body("event.eventId", equalTo("t4"));
    given().contentType(ContentType.JSON).body(legacyEvent(client, "t1", 1999, "2024-03-01 10:00:00")).post("/events")
        .then().statusCode(201);
    assertThat(TestDb.one("SELECT mapping_version FROM events WHERE client_id = ? AND event_id = 't4'", client))
        .containsEntry("mapping_version", 1);

    // Replay the rejected ones: t2 and t3 are added, t1 was already counted by its resend.
    JsonPath replay = replay(client);
    assertThat(replay.getString("state")).isEqualTo("succeeded");
    assertThat(replay.getLong("total")).isEqualTo(3);
    assertThat(replay.getLong("processed")).isEqualTo(3);
    assertThat(replay.getLong("accepted")).isEqualTo(2);
    assertThat(replay.getLong("duplicates")).isEqualTo(1);

    List<Map<String, Object>> events = TestDb.query(
        "SELECT event_id, amount::text AS amount, ts = ?::timestamptz AS t2_time FROM events WHERE client_id = ? ORDER BY event_id",
        "2024-03-02T09:00:00Z", client);
    assertThat(events).extracting(e -> e.get("event_id")).containsExactly("t1", "t2", "t3", "t4");
    assertThat(events.get(1)).containsEntry("amount", "39.98").containsEntry("t2_time", true);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'rejected'", client)).isZero();
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND mapping_version = 1", client)).isEqualTo(5);

    assertAggregates(client);

    // Replaying again, accepted rows included, changes nothing.
    JsonPath again = replay(client, "[\"rejected\", \"accepted\", \"duplicate\"]");
    assertThat(again.getLong("accepted")).isZero();
    assertThat(again.getLong("duplicates")).isEqualTo(5);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(4);
    assertThat(TestDb.one("SELECT sum(amount)::text AS total FROM events WHERE client_id = ?", client))
        .containsEntry("total", "124.94");
    assertAggregates(client);
  }

  /** The dashboards' view: each of the four events once, exact sum, after a refresh. */
  private static void assertAggregates(String client) {
    given().post("/aggregates/refresh").then().statusCode(200);
    given().queryParam("clientId", client).queryParam("granularity", "total").get("/aggregates")
        .then().statusCode(200)
        .body("rows", hasSize(1))
        .body("rows[0].count", equalTo(4))
        .body("rows[0].sum", equalTo(124.94f));
  }

  private static String legacyEvent(String client, String txn, long minorUnits, String localTime) {
    return "{\"clientId\":\"" + client + "\",\"event\":\"orders\",\"price\":" + minorUnits
        + ",\"meta\":{\"ts\":\"" + localTime + "\"},\"txn\":\"" + txn + "\"}";
  }

  static JsonPath replay(String client) {
    return replay(client, "[\"rejected\"]");
  }

  static JsonPath replay(String client, String statuses) {
    long id = given().contentType(ContentType.JSON).body("{\"clientId\":\"" + client + "\",\"statuses\":" + statuses + "}")
        .post("/replays")
        .then().statusCode(202)
        .header("Location", notNullValue())
        .body("state", equalTo("running"))
        .extract().jsonPath().getLong("id");
    JsonPath progress = await("replay " + id + " finishing").atMost(Duration.ofSeconds(30))
        .until(() -> given().get("/replays/" + id).then().statusCode(200).extract().jsonPath(),
            shown -> !shown.getString("state").equals("running"));
    assertStoredAsShown(id, progress);
    return progress;
  }

  /** The finished replay as stored: GET /replays/{id} must show the counters PostgreSQL holds, not a copy in memory. */
  private static void assertStoredAsShown(long id, JsonPath shown) {
    Map<String, Object> stored = TestDb.one(
        "SELECT state, total, processed, accepted, duplicates, rejected, conflicts, failed, cursor_id, max_raw_id FROM replays WHERE id = ?", id);
    assertThat(stored).containsEntry("state", shown.getString("state"));
    for (String counter : List.of("total", "processed", "accepted", "duplicates", "rejected", "conflicts", "failed")) {
      assertThat(stored).as("replay %d %s", id, counter).containsEntry(counter, shown.getLong(counter));
    }
    if (shown.getString("state").equals("succeeded")) {
      assertThat(stored.get("processed")).as("a finished replay processed its whole scope").isEqualTo(stored.get("total"));
    }
  }
}
