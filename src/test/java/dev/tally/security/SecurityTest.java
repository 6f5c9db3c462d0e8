package dev.tally.security;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** API keys end to end: lifecycle, who may do what, what refused requests leave behind (nothing), rate limits. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class SecurityTest {

  @TestHTTPResource(value = "/", management = true)
  URL management;

  @Test
  void aNewKeyIsShownOnceListedWithoutItsSecretAndRefusedOnceRevoked() throws InterruptedException {
    String client = newClientId("lifecycle");
    JsonPath created = Keys.create("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"],\"description\":\"shop\"}");
    String id = created.getString("id");
    String secret = created.getString("key");
    assertThat(secret).startsWith("tally_").hasSize("tally_".length() + 43);
    assertThat(id).matches("key_[0-9a-f]{12}");

    String listed = given().get("/keys").then().statusCode(200)
        .body("items.id", hasItem(id))
        .body("items.find { it.id == '" + id + "' }.role", equalTo("ingest"))
        .extract().asString();
    assertThat(listed).doesNotContain(secret).doesNotContain("secret");
    assertThat(TestDb.query("SELECT * FROM api_keys WHERE id = ?", id).toString()).doesNotContain(secret);

    post(secret, event(client, "m", "1", "2024-01-01T00:00:00Z")).then().statusCode(201);
    given().delete("/keys/" + id).then().statusCode(200).body("revokedAt", notNullValue());
    assertThat(TestDb.one("SELECT revoked_at FROM api_keys WHERE id = ?", id).get("revoked_at")).as("revocation is stored").isNotNull();
    await("the revoked key refused within seconds").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> post(secret, event(client, "m", "2", "2024-01-01T00:00:00Z")).then().extract().statusCode() == 401);
    given().delete("/keys/key_000000000000").then().statusCode(404);
  }

  @Test
  void bothHeadersCarryAKeyAndMissingOrUnknownKeysAre401ProblemsThatStoreNothing() {
    String client = newClientId("headers");
    String key = Keys.ingestKey(client);
    anonymous().header("X-Api-Key", key).contentType(ContentType.JSON)
        .body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    anonymous().contentType(ContentType.JSON).body(event(client, "m", "2", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", containsString("Bearer"));
    post("tally_" + "x".repeat(43), event(client, "m", "3", "2024-01-01T00:00:00Z")).then().statusCode(401)
        .body("detail", containsString("unknown or revoked"));
    post("", "not even json").then().statusCode(401);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void ingestKeysFillInTheirClientRejectOtherClientsAsClientMismatchAndRecordTheKeyId() {
    String client = newClientId("bound");
    JsonPath created = Keys.create("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"]}");
    String key = created.getString("key");
    String noClient = "{\"metric\":\"m\",\"amount\":5,\"timestamp\":\"2024-01-01T00:00:00Z\"}";
    post(key, noClient).then().statusCode(201).body("event.clientId", equalTo(client));
    post(key, event("someone-else", "m", "1", "2024-01-01T00:00:00Z")).then().statusCode(422)
        .body("errors[0].code", equalTo("client_mismatch"));

    List<Map<String, Object>> rows = TestDb.query(
        "SELECT status, key_id, payload::text AS payload, reasons::text AS reasons FROM raw_events WHERE client_id = ? ORDER BY id", client);
    assertThat(rows).hasSize(2).allSatisfy(row -> assertThat(row.get("key_id")).isEqualTo(created.getString("id")));
    assertThat((String) rows.get(0).get("payload")).as("the raw row keeps what was sent").doesNotContain("clientId");
    assertThat(rows.get(1).get("status")).isEqualTo("rejected");
    assertThat((String) rows.get(1).get("payload")).contains("someone-else");
    assertThat((String) rows.get(1).get("reasons")).contains("client_mismatch");
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = 'someone-else' AND key_id = ?", created.getString("id"))).isZero();
  }

  @Test
  void rolesReachOnlyTheirRoutesAndClients() {
    String mine = newClientId("mine");
    String other = newClientId("other");
    String ingest = Keys.ingestKey(mine);
    String read = Keys.readKey(mine);
    given().contentType(ContentType.JSON).body(event(mine, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    given().contentType(ContentType.JSON).body(event(other, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);

    // ingest: POST /events only
    as(ingest).get("/aggregates?clientId=" + mine).then().statusCode(403).contentType("application/problem+json");
    as(ingest).get("/raw-events?clientId=" + mine).then().statusCode(403);
    as(ingest).get("/keys").then().statusCode(403);
    as(ingest).contentType(ContentType.JSON).body("{}").put("/clients/" + mine + "/mapping").then().statusCode(403);
    // read: its clients only, never writes
    as(read).get("/aggregates?clientId=" + mine).then().statusCode(200);
    as(read).get("/aggregates?clientId=" + other).then().statusCode(403);
    as(read).get("/aggregates?granularity=total").then().statusCode(200).body("rows.clientId", everyItem(equalTo(mine)));
    as(read).get("/raw-events?clientId=" + mine).then().statusCode(200).body("items.clientId", everyItem(equalTo(mine)));
    as(read).get("/raw-events?clientId=" + mine + "&clientId=" + other).then().statusCode(403);
    as(read).get("/raw-events?limit=500").then().statusCode(200).body("items.clientId", not(hasItem(other)));
    as(read).get("/events/abc?clientId=" + other).then().statusCode(403);
    as(read).get("/events/abc?clientId=" + mine).then().statusCode(404);
    as(read).contentType(ContentType.JSON).body(event(mine, "m", "2", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(403);
    as(read).post("/aggregates/refresh").then().statusCode(403);
    as(read).get("/keys").then().statusCode(403);
    as(read).contentType(ContentType.JSON).body("{\"clientId\":\"" + mine + "\"}").post("/replays").then().statusCode(403);
    // every role: the mapping presets (static documentation of Tally), read only; never without a key
    as(ingest).get("/mapping-presets").then().statusCode(200).body("items.name", hasItem("segment"));
    as(ingest).get("/mapping-presets/segment").then().statusCode(200);
    as(read).get("/mapping-presets/posthog").then().statusCode(200);
    as(read).get("/mapping-presets/mixpanel").then().statusCode(404);
    // read only: there is no POST route there to be allowed or refused
    as(ingest).contentType(ContentType.JSON).body("{}").post("/mapping-presets").then().statusCode(405);
    // a route that does not exist: 404 for every key, as without one (the route list is public: /q/openapi)
    as(read).get("/mapping-presets/segment/extra").then().statusCode(404).contentType("application/problem+json");
    as(ingest).get("/no-such-route").then().statusCode(404);
    anonymous().get("/no-such-route").then().statusCode(404);
    anonymous().get("/mapping-presets").then().statusCode(401);
    // admin: everything
    given().get("/keys").then().statusCode(200);
    given().get("/raw-events?clientId=" + other).then().statusCode(200);
  }

  @Test
  void requestsRefusedWith401Or403StoreNothingNotEvenHugeOnes() {
    String client = newClientId("refused");
    String read = Keys.readKey(client);
    String big = "[" + String.join(",", java.util.Collections.nCopies(500, event(client, "m", "1", "2024-01-01T00:00:00Z"))) + "]";
    anonymous().contentType(ContentType.JSON).body(big).post("/events").then().statusCode(401);
    post("wrong", big).then().statusCode(401);
    as(read).contentType(ContentType.JSON).body(big).post("/events").then().statusCode(403);
    anonymous().contentType(ContentType.JSON).body("{\"fields\":{}}").put("/clients/" + client + "/mapping").then().statusCode(401);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? OR payload::text LIKE ?", client, "%" + client + "%")).isZero();
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id = ?", client)).isZero();
  }

  @Test
  void aKeyOverItsRateLimitGets429WithRetryAfterAndOthersAreUnaffected() {
    String client = newClientId("limited");
    String limited = Keys.create("{\"role\":\"read\",\"clientIds\":[\"" + client + "\"],\"requestsPerSecond\":1,\"burst\":3}").getString("key");
    for (int i = 0; i < 3; i++) {
      as(limited).get("/raw-events?clientId=" + client).then().statusCode(200);
    }
    as(limited).get("/raw-events?clientId=" + client).then().statusCode(429)
        .header("Retry-After", equalTo("1")).contentType("application/problem+json");
    given().get("/raw-events?clientId=" + client).then().statusCode(200);
  }

  @Test
  void invalidKeyRequestsAre400AndCreateNothing() {
    long before = TestDb.count("SELECT count(*) FROM api_keys");
    given().contentType(ContentType.JSON).body("{\"role\":\"ingest\",\"clientIds\":[\"a\",\"b\"]}").post("/keys").then().statusCode(400);
    given().contentType(ContentType.JSON).body("{\"role\":\"read\"}").post("/keys").then().statusCode(400);
    given().contentType(ContentType.JSON).body("{\"role\":\"root\"}").post("/keys").then().statusCode(400);
    given().contentType(ContentType.JSON).body("{\"role\":\"ingest\",\"clientIds\":[\"../../etc\"]}").post("/keys").then().statusCode(400);
    assertThat(TestDb.count("SELECT count(*) FROM api_keys")).isEqualTo(before);
  }

  @Test
  void managementEndpointsNeedNoKeyOnTheirPortAndAreAbsentFromTheApiPort() {
    anonymous().port(ManagementPort.of(management)).get("/q/health/ready").then().statusCode(200);
    anonymous().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200);
    anonymous().port(ManagementPort.of(management)).get("/q/openapi").then().statusCode(200).body(containsString("/keys"))
        .body(containsString("scheme: bearer")).body(containsString("X-Api-Key"));
    given().get("/q/health/ready").then().statusCode(404);
    given().get("/q/metrics").then().statusCode(404);
    anonymous().get("/q/health").then().statusCode(404).body("status", equalTo(404)).body("parameter", nullValue());
  }

  private static RequestSpecification anonymous() {
    return given().header(AdminKey.ANONYMOUS, "true");
  }

  private static RequestSpecification as(String key) {
    return given().header("Authorization", "Bearer " + key);
  }

  private static Response post(String key, String body) {
    return as(key).contentType(ContentType.JSON).body(body).post("/events");
  }
}
