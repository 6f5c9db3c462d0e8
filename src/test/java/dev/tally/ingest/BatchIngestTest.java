package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Batches as JSON arrays and NDJSON: one result per element, in order; one bad element never fails the others. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class BatchIngestTest {

  @Test
  void arrayBatchWithMixedElementsAnswersEachInOrder() {
    String client = newClientId("batch");
    String good = event(client, "m", "1", "2024-01-01T00:00:00Z");
    String body = "[" + good + ","
        + event(client, "m", "\"1,5\"", "2024-01-01T00:00:00Z") + ","
        + "7,"
        + good + ","
        + event(client, "m", "2", "2024-01-01T01:00:00Z") + "]";
    given().contentType(ContentType.JSON).body(body).post("/events")
        .then().statusCode(200)
        .body("accepted", equalTo(2))
        .body("duplicates", equalTo(1))
        .body("rejected", equalTo(2))
        .body("conflicts", equalTo(0))
        .body("results.index", contains(0, 1, 2, 3, 4))
        .body("results.status", contains("accepted", "rejected", "rejected", "duplicate", "accepted"))
        .body("results[1].errors[0].code", equalTo("invalid_amount"))
        .body("results[2].errors[0].code", equalTo("not_an_object"));

    List<Map<String, Object>> raws = TestDb.query(
        "SELECT status FROM raw_events WHERE client_id = ? ORDER BY id", client);
    // The element 7 names no client, so it is filed without one.
    assertThat(raws).extracting(r -> r.get("status")).containsExactly("accepted", "rejected", "duplicate", "accepted");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(2);
  }

  @Test
  void sameEventTwiceInOneBatchIsAcceptedThenDuplicate() {
    String client = newClientId("twice");
    String e = event(client, "m", "3", "2024-01-01T00:00:00Z");
    List<Integer> rawIds = given().contentType(ContentType.JSON).body("[" + e + "," + e + "]").post("/events")
        .then().statusCode(200)
        .body("results.status", contains("accepted", "duplicate"))
        .extract().jsonPath().getList("results.rawId", Integer.class);
    given().contentType(ContentType.JSON).body("[" + e + "]").post("/events")
        .then().body("results[0].originalRawId", equalTo(rawIds.get(0)));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void ndjsonBatchKeepsAMalformedLineRawAndProcessesTheRest() {
    String client = newClientId("ndjson");
    String body = event(client, "m", "1", "2024-01-01T00:00:00Z") + "\r\n"
        + "\n"
        + "{\"clientId\":\"" + client + "\", oops\n"
        + event(client, "m", "2", "2024-01-01T00:00:00Z") + "\n";
    given().contentType("application/x-ndjson").body(body.getBytes(StandardCharsets.UTF_8)).post("/events")
        .then().statusCode(200)
        .body("results", hasSize(3))
        .body("results.status", contains("accepted", "unparseable", "accepted"))
        .body("accepted", equalTo(2))
        .body("rejected", equalTo(1));
    Map<String, Object> bad = TestDb.one(
        "SELECT status, convert_from(raw_body, 'UTF8') AS text FROM raw_events WHERE status = 'unparseable' "
            + "AND raw_body = convert_to(?, 'UTF8')", "{\"clientId\":\"" + client + "\", oops");
    assertThat(bad.get("status")).isEqualTo("unparseable");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(2);
  }

  @Test
  void batchOverTheSizeLimitIs413AndNothingIsStored() {
    String client = newClientId("bigbatch");
    given().contentType(ContentType.JSON).body(distinctEvents(client, 1001, new StringJoiner(",", "[", "]"))).post("/events")
        .then().statusCode(413).contentType("application/problem+json");
    String lines = distinctEvents(client, 1001, new StringJoiner("\n"));
    given().contentType("application/x-ndjson").body(lines.getBytes(StandardCharsets.UTF_8)).post("/events")
        .then().statusCode(413);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void batchAtTheSizeLimitIsStoredInFull() {
    String client = newClientId("fullbatch");
    given().contentType(ContentType.JSON).body(distinctEvents(client, 1000, new StringJoiner(",", "[", "]"))).post("/events")
        .then().statusCode(200).body("accepted", equalTo(1000));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1000);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted'", client)).isEqualTo(1000);
  }

  @Test
  void emptyBatchStoresNothingAndCountsZero() {
    given().contentType(ContentType.JSON).body("[]").post("/events")
        .then().statusCode(200).body("accepted", equalTo(0)).body("results", hasSize(0));
    // Only an empty batch could store "[]" (as payload or as raw bytes); other tests' rows never look like it.
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE (payload = '[]'::jsonb OR raw_body = '\\x5b5d'::bytea)"))
        .isZero();
  }

  private static String distinctEvents(String client, int count, StringJoiner joiner) {
    for (int i = 0; i < count; i++) {
      joiner.add(event(client, "m", String.valueOf(i), "2024-01-01T00:00:00Z"));
    }
    return joiner.toString();
  }
}
