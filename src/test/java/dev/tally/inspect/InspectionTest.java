package dev.tally.inspect;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.eventWithId;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /events/{fingerprint} and GET /raw-events. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class InspectionTest {

  @Test
  void eventLookupShowsCanonicalEventAndEveryRawRow() {
    String client = newClientId("lookup");
    String body = event(client, "sales", "12.50", "2024-03-01T10:00:00.123456Z");
    JsonPath first = given().contentType(ContentType.JSON).body(body).post("/events").then().statusCode(201).extract().jsonPath();
    long retry = given().contentType(ContentType.JSON).body(body).post("/events").then().statusCode(200).extract().jsonPath().getLong("rawId");
    String fingerprint = first.getString("fingerprint");

    given().queryParam("clientId", client).get("/events/" + fingerprint)
        .then().statusCode(200)
        .body("fingerprint", equalTo(fingerprint))
        .body("event.metric", equalTo("sales"))
        .body("event.amount", equalTo(12.5f))
        .body("event.timestamp", equalTo("2024-03-01T10:00:00.123456Z"))
        .body("mappingVersion", equalTo(0))
        .body("rawId", equalTo(first.getInt("rawId")))
        .body("rawIds", contains(first.getInt("rawId"), (int) retry));
    // The answer is what is stored: one event, and exactly these two raw rows for the client.
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ? AND fingerprint = ?", client, fingerprint)).isEqualTo(1);
    assertThat(TestDb.query("SELECT id FROM raw_events WHERE client_id = ? ORDER BY id", client))
        .extracting(row -> ((Number) row.get("id")).longValue())
        .containsExactly(first.getLong("rawId"), retry);
  }

  @Test
  void eventLookupLeavesOutConflictingRawRows() {
    String client = newClientId("lookupconflict");
    JsonPath first = given().contentType(ContentType.JSON).body(eventWithId(client, "order-7", "5")).post("/events")
        .then().statusCode(201).extract().jsonPath();
    given().contentType(ContentType.JSON).body(eventWithId(client, "order-7", "6")).post("/events").then().statusCode(409);

    given().queryParam("clientId", client).get("/events/" + first.getString("fingerprint"))
        .then().statusCode(200)
        .body("event.eventId", equalTo("order-7"))
        .body("event.amount", equalTo(5))
        .body("rawIds", contains(first.getInt("rawId")));
    // The conflicting row is stored, just not as one of the event's raw rows.
    assertThat(TestDb.query("SELECT status FROM raw_events WHERE client_id = ? ORDER BY id", client))
        .extracting(row -> row.get("status")).containsExactly("accepted", "conflict");
  }

  @Test
  void eventLookupNeedsAClientAndAnswers404ForUnknownFingerprints() {
    given().get("/events/abc").then().statusCode(400).contentType("application/problem+json").body("parameter", equalTo("clientId"));
    given().queryParam("clientId", newClientId("nobody")).get("/events/" + "0".repeat(64))
        .then().statusCode(404).contentType("application/problem+json");
  }

  @Test
  void rawEventsAreListedNewestFirstWithFiltersAndKeysetPages() {
    String client = newClientId("pages");
    for (int i = 0; i < 5; i++) {
      given().contentType(ContentType.JSON).body(event(client, "m", String.valueOf(i), "2024-01-01T00:00:00Z")).post("/events")
          .then().statusCode(201);
    }
    given().contentType(ContentType.JSON).body(event(client, "m", "\"bad\"", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(422);

    List<Integer> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      var request = given().queryParam("clientId", client).queryParam("limit", 2);
      if (after != null) {
        request.queryParam("after", after);
      }
      JsonPath page = request.get("/raw-events").then().statusCode(200).extract().jsonPath();
      seen.addAll(page.getList("items.id", Integer.class));
      after = page.getString("next");
      pages++;
    } while (after != null && pages < 10);
    assertThat(seen).hasSize(6).isSortedAccordingTo((a, b) -> Integer.compare(b, a)).doesNotHaveDuplicates();
    assertThat(pages).isEqualTo(3);
    assertThat(seen).as("every stored raw row of the client, no more").containsExactlyInAnyOrderElementsOf(
        TestDb.query("SELECT id FROM raw_events WHERE client_id = ?", client).stream()
            .map(row -> ((Number) row.get("id")).intValue()).toList());

    given().queryParam("clientId", client).queryParam("status", "rejected").get("/raw-events")
        .then().statusCode(200)
        .body("items", hasSize(1))
        .body("items[0].status", equalTo("rejected"))
        .body("items[0].reasons[0].code", equalTo("invalid_amount"))
        .body("items[0].payload.amount", equalTo("bad"))
        .body("next", nullValue());
    given().queryParam("clientId", client).queryParam("status", "accepted").get("/raw-events")
        .then().body("items", hasSize(5)).body("items.status", everyItem(equalTo("accepted")));
    // The clientId is matched exactly, as in GET /aggregates: " client" is another client.
    given().queryParam("clientId", " " + client).get("/raw-events").then().statusCode(200).body("items", hasSize(0));
  }

  @Test
  void rawEventsRejectBadParametersNamingThem() {
    given().queryParam("status", "nope").get("/raw-events").then().statusCode(400).body("parameter", equalTo("status"));
    given().queryParam("limit", 0).get("/raw-events").then().statusCode(400).body("parameter", equalTo("limit"));
    given().queryParam("limit", 100000).get("/raw-events").then().statusCode(400).body("parameter", equalTo("limit"));
    given().queryParam("after", "x").get("/raw-events").then().statusCode(400).body("parameter", equalTo("after"));
  }
}
