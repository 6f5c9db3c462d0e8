package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.eventWithId;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every row of the contract's single-event Ingest table, checked in the response and in the database. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class SingleEventIngestTest {

  /** Health and metrics are served on the management interface, not the API port. */
  @TestHTTPResource(value = "/", management = true)
  URL management;

  @Test
  void newEventIsStoredRawAndCanonicalAndAnswered201() {
    String client = newClientId("accept");
    long rawId = given().contentType(ContentType.JSON)
        .body("{\"client_id\":\"" + client + "\",\"metric\":\" value \",\"amount\":\"1200.50\","
            + "\"timestamp\":\"2024-01-01T01:00:00+01:00\",\"extra\":{\"kept\":true}}")
        .when().post("/events")
        .then().statusCode(201)
        .body("status", equalTo("accepted"))
        .body("fingerprint", notNullValue())
        .body("event.clientId", equalTo(client))
        .body("event.metric", equalTo("value"))
        .body("event.amount", equalTo(1200.5f))
        .body("event.timestamp", equalTo("2024-01-01T00:00:00Z"))
        .extract().jsonPath().getLong("rawId");

    Map<String, Object> stored = TestDb.one(
        "SELECT client_id, metric, amount::text AS amount, ts = '2024-01-01T00:00:00Z' AS utc, raw_id, mapping_version, event_id "
            + "FROM events WHERE client_id = ?", client);
    assertThat(stored).containsEntry("metric", "value").containsEntry("amount", "1200.5")
        .containsEntry("utc", true).containsEntry("raw_id", rawId).containsEntry("mapping_version", 0);
    assertThat(stored.get("event_id")).isNull();
    Map<String, Object> raw = TestDb.one(
        "SELECT status, client_id, payload->'extra'->>'kept' AS kept, fingerprint IS NOT NULL AS has_fp, processed_at IS NOT NULL AS done "
            + "FROM raw_events WHERE id = ?", rawId);
    assertThat(raw).containsEntry("status", "accepted").containsEntry("client_id", client)
        .containsEntry("kept", "true").containsEntry("has_fp", true).containsEntry("done", true);
  }

  @Test
  void retriesAreDuplicatesAndCountOnce() {
    String client = newClientId("retry");
    String body = event(client, "clicks", "0.1", "2024-01-01T00:00:00Z");
    long first = given().contentType(ContentType.JSON).body(body).post("/events")
        .then().statusCode(201).extract().jsonPath().getLong("rawId");
    for (int i = 0; i < 3; i++) {
      given().contentType(ContentType.JSON).body(body).post("/events")
          .then().statusCode(200)
          .body("status", equalTo("duplicate"))
          .body("originalRawId", equalTo((int) first))
          .body("fingerprint", notNullValue());
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'duplicate'", client)).isEqualTo(3);
    assertThat(TestDb.one("SELECT amount::text AS a FROM events WHERE client_id = ?", client)).containsEntry("a", "0.1");
  }

  @Test
  void unnormalizableEventIsKeptRawWithEveryReasonAndAnswered422() {
    String client = newClientId("reject");
    long rawId = given().contentType(ContentType.JSON)
        .body("{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":\"1,200\",\"timestamp\":\"2024-01-01T00:00:00\"}")
        .post("/events")
        .then().statusCode(422)
        .body("status", equalTo("rejected"))
        .body("errors", hasSize(2))
        .body("errors.code", hasItems("invalid_amount", "ambiguous_timestamp"))
        .body("errors.find { it.field == 'amount' }.message", containsString("\"1,200\""))
        .extract().jsonPath().getLong("rawId");

    Map<String, Object> raw = TestDb.one(
        "SELECT status, client_id, jsonb_array_length(reasons) AS reasons, payload->>'amount' AS amount FROM raw_events WHERE id = ?", rawId);
    assertThat(raw).containsEntry("status", "rejected").containsEntry("client_id", client)
        .containsEntry("reasons", 2).containsEntry("amount", "1,200");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void missingTimestampIsRejectedNotFilledWithReceiptTime() {
    String client = newClientId("missing");
    given().contentType(ContentType.JSON)
        .body("{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1}")
        .post("/events")
        .then().statusCode(422)
        .body("errors[0].field", equalTo("timestamp"))
        .body("errors[0].code", equalTo("missing_field"));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void sameEventIdWithDifferentContentIsAConflict() {
    String client = newClientId("conflict");
    long first = given().contentType(ContentType.JSON).body(eventWithId(client, "txn-1", "10")).post("/events")
        .then().statusCode(201).extract().jsonPath().getLong("rawId");
    long second = given().contentType(ContentType.JSON).body(eventWithId(client, "txn-1", "11")).post("/events")
        .then().statusCode(409)
        .body("status", equalTo("conflict"))
        .body("message", containsString("txn-1"))
        .extract().jsonPath().getLong("rawId");
    given().contentType(ContentType.JSON).body(eventWithId(client, "txn-1", "10.00")).post("/events")
        .then().statusCode(200).body("status", equalTo("duplicate")).body("originalRawId", equalTo((int) first));

    assertThat(TestDb.one("SELECT amount::text AS a, raw_id FROM events WHERE client_id = ?", client))
        .containsEntry("a", "10").containsEntry("raw_id", first);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE id = ?", second)).containsEntry("status", "conflict");
  }

  @Test
  void bodyThatIsNotJsonIsKeptExactlyAndAnswered400() {
    String body = "{\"clientId\": \"x\", broken " + newClientId("garbage");
    long rawId = given().contentType(ContentType.JSON).body(body).post("/events")
        .then().statusCode(400)
        .body("status", equalTo("unparseable"))
        .body("message", containsString("not valid JSON"))
        .extract().jsonPath().getLong("rawId");
    Map<String, Object> raw = TestDb.one("SELECT status, payload, raw_body FROM raw_events WHERE id = ?", rawId);
    assertThat(raw.get("status")).isEqualTo("unparseable");
    assertThat(raw.get("payload")).isNull();
    assertThat(new String((byte[]) raw.get("raw_body"), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void jsonScalarBodyIsUnparseable() {
    long rawId = given().contentType(ContentType.JSON).body("42").post("/events")
        .then().statusCode(400).body("status", equalTo("unparseable")).body("rawId", notNullValue())
        .extract().jsonPath().getLong("rawId");
    Map<String, Object> raw = TestDb.one("SELECT status, raw_body FROM raw_events WHERE id = ?", rawId);
    assertThat(raw.get("status")).isEqualTo("unparseable");
    assertThat(new String((byte[]) raw.get("raw_body"), StandardCharsets.UTF_8)).isEqualTo("42");
  }

  @Test
  void wrongOrMissingContentTypeIsAcceptedWhenTheBodyIsJson() {
    String client = newClientId("ctype");
    given().contentType("text/plain").body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(201);
    given().contentType("application/x-www-form-urlencoded").body(event(client, "m", "2", "2024-01-01T00:00:00Z"))
        .post("/events").then().statusCode(201);
    given().body(event(client, "m", "3", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8)).post("/events")
        .then().statusCode(201);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);
  }

  @Test
  void nulCharacterInAnExtraFieldIsAcceptedAndKeptExactly() {
    String client = newClientId("nul");
    String body = "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":5,\"timestamp\":1704067200,\"note\":\"a\\u0000b\"}";
    long rawId = given().contentType(ContentType.JSON).body(body).post("/events")
        .then().statusCode(201).extract().jsonPath().getLong("rawId");
    Map<String, Object> raw = TestDb.one("SELECT status, payload, raw_body FROM raw_events WHERE id = ?", rawId);
    assertThat(raw.get("status")).isEqualTo("accepted");
    assertThat(raw.get("payload")).as("jsonb cannot hold \\u0000").isNull();
    assertThat(new String((byte[]) raw.get("raw_body"), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void duplicateTopLevelKeyIsRejectedAndKeptExactly() {
    String client = newClientId("dupkey");
    String body = "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":5,\"amount\":6,\"timestamp\":1704067200}";
    long rawId = given().contentType(ContentType.JSON).body(body).post("/events")
        .then().statusCode(422)
        .body("errors.code", hasItems("duplicate_key"))
        .extract().jsonPath().getLong("rawId");
    Map<String, Object> raw = TestDb.one("SELECT status, client_id, raw_body FROM raw_events WHERE id = ?", rawId);
    assertThat(raw).containsEntry("status", "rejected").containsEntry("client_id", client);
    assertThat(new String((byte[]) raw.get("raw_body"), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void bodyOverTheSizeLimitIs413AndNothingIsStored() {
    String marker = newClientId("huge");
    String body = "{\"clientId\":\"" + marker + "\",\"pad\":\"" + "x".repeat(1_048_576) + "\"}";
    given().contentType(ContentType.JSON).body(body).post("/events")
        .then().statusCode(413)
        .contentType("application/problem+json")
        .body("status", equalTo(413))
        .body("detail", containsString("tally.ingest.max-body-bytes"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", marker)).isZero();
  }

  @Test
  void outcomesAreCountedInPrometheusMetrics() {
    double acceptedBefore = counter("accepted");
    double unparseableBefore = counter("unparseable");
    given().contentType(ContentType.JSON).body(event(newClientId("metrics"), "m", "1", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(201);
    given().contentType(ContentType.JSON).body("not json").post("/events").then().statusCode(400);
    given().port(ManagementPort.of(management)).get("/q/metrics")
        .then().statusCode(200)
        .body(containsString("tally_ingest_events_total{status=\"accepted\"}"))
        .body(containsString("tally_ingest_events_total{status=\"unparseable\"}"));
    // Counted, not merely present (other tests in this JVM create the series too). Tests run one at a time.
    assertThat(counter("accepted")).isGreaterThanOrEqualTo(acceptedBefore + 1);
    assertThat(counter("unparseable")).isGreaterThanOrEqualTo(unparseableBefore + 1);
  }

  /** The value of tally_ingest_events_total{status}, 0 before the series exists. */
  private double counter(String status) {
    String metrics = given().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200).extract().asString();
    Matcher value = Pattern.compile("(?m)^tally_ingest_events_total\\{status=\"" + status + "\"[^}]*} ([0-9.Ee+-]+)$").matcher(metrics);
    return value.find() ? Double.parseDouble(value.group(1)) : 0;
  }
}
