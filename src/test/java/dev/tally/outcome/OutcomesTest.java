package dev.tally.outcome;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.eventWithId;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GET /outcomes against the real database: the counts equal what raw_events holds (by status, per client and
 * received hour), replays move rows between statuses, the top codes link to real rejected rows, conditional requests,
 * scopes and validation. GET /raw-events/{id} and GET /session, which the dashboard links and signs in with.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class OutcomesTest {

  private static final List<String> STATUSES = List.of("accepted", "duplicate", "rejected", "conflict", "unparseable", "pending");

  @Test
  void countsEqualTheRawRowsByStatusAndTheTopCodeLinksToARejectedRow() {
    String client = newClientId("outcomes");
    ingest(client);
    refresh();

    JsonPath page = outcomes("clientId=" + client).then().statusCode(200).extract().jsonPath();

    Map<String, Long> shown = totals(page);
    assertThat(shown).isEqualTo(recomputed(client));
    assertThat(shown).containsEntry("accepted", 2L).containsEntry("duplicate", 1L).containsEntry("conflict", 1L)
        .containsEntry("rejected", 2L);
    String hour = ZonedDateTime.now(ZoneId.of("UTC")).truncatedTo(ChronoUnit.HOURS).toInstant().toString();
    assertThat(page.getList("buckets.bucket", String.class)).as("received this hour (or the one before, at a boundary)")
        .allMatch(bucket -> bucket.equals(hour) || Instant.parse(bucket).plus(Duration.ofHours(1)).toString().equals(hour));
    assertThat(page.getString("granularity")).isEqualTo("hour");
    assertThat(page.getString("tz")).isEqualTo("UTC");

    assertThat(page.getString("rejections[0].clientId")).isEqualTo(client);
    assertThat(page.getLong("rejections[0].rows")).isEqualTo(2);
    String code = page.getString("rejections[0].code");
    long example = page.getLong("rejections[0].examples[0]");
    Map<String, Object> row = TestDb.one("SELECT client_id, status, reasons::text AS reasons FROM raw_events WHERE id = ?", example);
    assertThat(row).containsEntry("client_id", client).containsEntry("status", "rejected");
    assertThat((String) row.get("reasons")).contains("\"code\": \"" + code + "\"");
    assertThat(page.getString("rejections[0].message")).isNotBlank();
    assertThat(page.getList("rejections[0].examples")).as("newest first, at most 3").hasSize(2);

    given().get("/raw-events/" + example).then().statusCode(200)
        .body("id", equalTo((int) example)).body("status", equalTo("rejected")).body("reasons[0].code", equalTo(code));
  }

  @Test
  void aReplayMovesRowsBetweenStatusesAndTheCountsFollow() {
    String client = newClientId("outreplay");
    for (int i = 0; i < 3; i++) {
      given().contentType(ContentType.JSON)
          .body("{\"clientId\":\"" + client + "\",\"metric\":\"orders\",\"price\":" + (i + 1) + ",\"timestamp\":\"2024-01-01T00:00:00Z\"}")
          .post("/events").then().statusCode(422);
    }
    refresh();
    assertThat(totals(outcomes("clientId=" + client).jsonPath())).containsEntry("rejected", 3L);

    given().contentType(ContentType.JSON).body("{\"fields\":{\"amount\":\"/price\"}}").put("/clients/" + client + "/mapping")
        .then().statusCode(201);
    long id = given().contentType(ContentType.JSON).body("{\"clientId\":\"" + client + "\"}").post("/replays")
        .then().statusCode(202).extract().jsonPath().getLong("id");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> TestDb.one("SELECT state FROM replays WHERE id = ?", id).get("state").equals("succeeded"));
    refresh();

    JsonPath page = outcomes("clientId=" + client).jsonPath();
    assertThat(totals(page)).containsEntry("accepted", 3L).containsEntry("rejected", 0L);
    assertThat(page.getList("rejections")).as("no row carries a rejection code any more").isEmpty();
    assertThat(recomputed(client)).containsEntry("accepted", 3L).containsEntry("rejected", 0L);
  }

  @Test
  void anUnchangedAnswerIsNotModifiedAndANewRefreshWithChangesIsNot() {
    String client = newClientId("outetag");
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    refresh();
    Response first = outcomes("clientId=" + client);
    String etag = first.header("ETag");
    assertThat(etag).startsWith("W/\"o");

    given().header("If-None-Match", etag).get("/outcomes?clientId=" + client)
        .then().statusCode(304).header("ETag", etag).header("Tally-As-Of", org.hamcrest.Matchers.notNullValue());

    given().contentType(ContentType.JSON).body(event(client, "m", "2", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    refresh();
    JsonPath changed = given().header("If-None-Match", etag).get("/outcomes?clientId=" + client)
        .then().statusCode(200).extract().jsonPath();
    assertThat(totals(changed)).containsEntry("accepted", 2L);
  }

  @Test
  void aReadKeySeesOnlyItsClientsEverywhereTheDashboardLooks() {
    String mine = newClientId("outmine");
    String other = newClientId("outother");
    given().contentType(ContentType.JSON).body(event(mine, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    given().contentType(ContentType.JSON).body(event(other, "m", "\"abc\"", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(422);
    refresh();
    String key = Keys.readKey(mine);
    long otherRow = TestDb.count("SELECT max(id) FROM raw_events WHERE client_id = ?", other);

    given().header("Authorization", "Bearer " + key).get("/outcomes?clientId=" + other).then().statusCode(403);
    JsonPath all = given().header("Authorization", "Bearer " + key).get("/outcomes").then().statusCode(200).extract().jsonPath();
    assertThat(all.getList("buckets.clientId")).containsOnly(mine);
    assertThat(all.getList("rejections.clientId")).doesNotContain(other);
    given().header("Authorization", "Bearer " + key).get("/raw-events/" + otherRow).then().statusCode(404);
    given().header("Authorization", "Bearer " + key).get("/session").then().statusCode(200)
        .body("role", equalTo("read")).body("scoped", equalTo(true)).body("clients", equalTo(List.of(mine)));

    JsonPath admin = given().get("/session").then().statusCode(200).extract().jsonPath();
    assertThat(admin.getString("role")).isEqualTo("admin");
    assertThat(admin.getList("clients", String.class)).contains(mine, other);
  }

  @Test
  void hoursAndDaysBeginInTheZoneAsked() {
    String client = newClientId("outzone");
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    refresh();
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    String today = ZonedDateTime.now(kolkata).toLocalDate().atStartOfDay(kolkata).toOffsetDateTime().toString();

    JsonPath page = outcomes("clientId=" + client + "&granularity=day&tz=Asia/Kolkata").jsonPath();

    assertThat(page.getString("buckets[0].bucket")).isEqualTo(today.replace("+05:30", ":00+05:30"));
    assertThat(page.getLong("buckets[0].accepted")).isEqualTo(1);
    assertThat(page.getString("to")).isEqualTo(ZonedDateTime.now(kolkata).toLocalDate().plusDays(1).atStartOfDay(kolkata).toInstant().toString());
  }

  @Test
  void badParametersAreRefusedNamingThem() {
    given().get("/outcomes?granularity=total").then().statusCode(400).body("parameter", equalTo("granularity"));
    given().get("/outcomes?tz=Mars/Olympus").then().statusCode(400).body("parameter", equalTo("tz"));
    given().get("/outcomes?from=2024-01-01T00:30:00Z").then().statusCode(400).body("parameter", equalTo("from"));
    given().get("/outcomes?from=2020-01-01T00:00:00Z&to=2024-01-01T00:00:00Z").then().statusCode(400)
        .contentType("application/problem+json").body("parameter", equalTo("from"));
    given().get("/outcomes?from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z").then().statusCode(400);
    given().get("/outcomes?limit=0").then().statusCode(400).body("parameter", equalTo("limit"));
    given().get("/raw-events/abc").then().statusCode(400).body("parameter", equalTo("id"));
    given().get("/raw-events/999999999999").then().statusCode(404).contentType("application/problem+json");
  }

  /** Two accepted, a duplicate, a conflict and two rejected (same code) for {@code client}. */
  private static void ingest(String client) {
    post(eventWithId(client, "e1", "1")).then().statusCode(201);
    post(eventWithId(client, "e2", "2")).then().statusCode(201);
    post(eventWithId(client, "e1", "1")).then().statusCode(200);
    post(eventWithId(client, "e2", "3")).then().statusCode(409);
    post(event(client, "m", "\"abc\"", "2024-01-01T00:00:00Z")).then().statusCode(422);
    post(event(client, "m", "\"xyz\"", "2024-01-01T00:00:00Z")).then().statusCode(422);
  }

  private static Response post(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/events");
  }

  static void refresh() {
    given().post("/aggregates/refresh").then().statusCode(200);
  }

  private static Response outcomes(String query) {
    return given().get("/outcomes?" + query);
  }

  /** The counts of every bucket of the page, summed by status. */
  private static Map<String, Long> totals(JsonPath page) {
    Map<String, Long> totals = new HashMap<>();
    for (String status : STATUSES) {
      totals.put(status, page.getList("buckets." + status, Long.class).stream().mapToLong(Long::longValue).sum());
    }
    return totals;
  }

  /** The counts by status, straight from raw_events. */
  private static Map<String, Long> recomputed(String client) {
    Map<String, Long> counts = new HashMap<>();
    STATUSES.forEach(status -> counts.put(status, 0L));
    for (Map<String, Object> row : TestDb.query("SELECT status, count(*) AS n FROM raw_events WHERE client_id = ? GROUP BY status", client)) {
      counts.put((String) row.get("status"), ((Number) row.get("n")).longValue());
    }
    return counts;
  }
}
