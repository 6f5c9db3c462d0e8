package dev.tally.aggregate;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GET /aggregates and POST /aggregates/refresh against the real database. Other tests insert events at the
 * same time, so every assertion is scoped to this test's own clientIds; where a test needs the view to stay
 * put, it holds the refresh lock as another replica would.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class AggregatesTest {

  /** Health and metrics are served on the management interface, not the API port. */
  @TestHTTPResource(value = "/", management = true)
  URL management;

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void sumsAreExactDecimals() {
    String client = newClientId("exact");
    postAndRefresh(
        event(client, "value", "0.1", "2024-01-01T10:15:00Z"),
        event(client, "value", "0.2", "2024-01-01T10:45:00Z"),
        event(client, "big", "123456789012345678.123456789", "2024-01-01T10:00:00Z"),
        event(client, "big", "0.000000001", "2024-01-01T10:59:59.999999Z"));

    JsonPath hours = aggregates(params("clientId", client));
    assertThat(hours.getList("rows")).hasSize(2);
    assertThat(hours.getString("rows[1].metric")).isEqualTo("value");
    assertThat(hours.getString("rows[1].bucket")).isEqualTo("2024-01-01T10:00:00Z");
    assertThat(hours.getLong("rows[1].count")).isEqualTo(2);
    assertThat(decimal(hours, "rows[1].sum")).isEqualTo("0.3");
    assertThat(decimal(hours, "rows[1].min")).isEqualTo("0.1");
    assertThat(decimal(hours, "rows[1].max")).isEqualTo("0.2");
    assertThat(decimal(hours, "rows[1].avg")).isEqualTo("0.15");
    assertThat(decimal(hours, "rows[0].sum")).isEqualTo("123456789012345678.12345679");

    Map<String, Object> stored = TestDb.one(
        "SELECT amount_sum::text AS sum, event_count FROM aggregate_hours WHERE client_id = ? AND metric = 'value'", client);
    assertThat(stored).containsEntry("sum", "0.3").containsEntry("event_count", 2L);
  }

  @Test
  void hourDayAndTotalAreReadFromTheirLevelsInUtc() {
    String client = newClientId("grain");
    postAndRefresh(
        event(client, "sales", "1", "2024-03-01T10:15:00Z"),
        event(client, "sales", "2", "2024-03-01T10:45:00Z"),
        event(client, "sales", "3", "2024-03-01T23:30:00Z"),
        // 00:30 in Berlin is still March 1st in UTC: days are UTC days.
        event(client, "sales", "4", "2024-03-02T00:30:00+01:00"),
        event(client, "sales", "10", "2024-03-02T00:00:00Z"),
        event(client, "refunds", "-5", "2024-03-01T12:00:00Z"));

    JsonPath hours = aggregates(params("clientId", client, "metric", "sales"));
    assertThat(hours.getString("granularity")).isEqualTo("hour");
    assertThat(hours.getList("rows.bucket", String.class))
        .containsExactly("2024-03-01T10:00:00Z", "2024-03-01T23:00:00Z", "2024-03-02T00:00:00Z");
    assertThat(hours.getList("rows.count", Long.class)).containsExactly(2L, 2L, 1L);

    JsonPath days = aggregates(params("clientId", client, "granularity", "day"));
    assertThat(days.getList("rows.metric", String.class)).containsExactly("refunds", "sales", "sales");
    assertThat(days.getList("rows.bucket", String.class))
        .containsExactly("2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z");
    assertThat(days.getList("rows.count", Long.class)).containsExactly(1L, 4L, 1L);
    assertThat(decimal(days, "rows[1].sum")).isEqualTo("10");
    assertThat(decimal(days, "rows[1].avg")).isEqualTo("2.5");

    JsonPath total = aggregates(params("clientId", client, "granularity", "total"));
    assertThat(total.getList("rows")).hasSize(2);
    assertThat(total.getMap("rows[1]")).doesNotContainKey("bucket");
    assertThat(total.getLong("rows[1].count")).isEqualTo(5);
    assertThat(decimal(total, "rows[1].sum")).isEqualTo("20");
    assertThat(decimal(total, "rows[1].min")).isEqualTo("1");
    assertThat(decimal(total, "rows[1].max")).isEqualTo("10");
    assertThat(decimal(total, "rows[0].sum")).isEqualTo("-5");

    // What the answers were read from: the stored hourly rows (the Berlin event in 23:00 UTC), the day rows, the totals.
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_hours WHERE client_id = ?", client)).isEqualTo(4);
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_days WHERE client_id = ?", client)).isEqualTo(3);
    assertThat(TestDb.one("SELECT event_count, amount_sum::text AS sum FROM aggregate_totals WHERE client_id = ? AND metric = 'sales'",
        client)).containsEntry("event_count", 5L).containsEntry("sum", "20");
    assertThat(TestDb.one("SELECT event_count, amount_sum::text AS sum FROM aggregate_hours "
            + "WHERE client_id = ? AND metric = 'sales' AND bucket = '2024-03-01T23:00:00Z'", client))
        .containsEntry("event_count", 2L).containsEntry("sum", "7");
  }

  @Test
  void fromIsInclusiveToIsExclusiveAndFiltersCombine() {
    String client = newClientId("range");
    String other = newClientId("range-other");
    postAndRefresh(
        event(client, "m", "1", "2024-04-01T09:59:59.999999Z"),
        event(client, "m", "2", "2024-04-01T10:00:00Z"),
        event(client, "m", "3", "2024-04-01T11:59:59.999999Z"),
        event(client, "m", "4", "2024-04-01T12:00:00Z"),
        event(client, "n", "5", "2024-04-01T10:30:00Z"),
        event(other, "m", "6", "2024-04-01T10:30:00Z"));

    JsonPath window = aggregates(params("clientId", client, "metric", "m", "from", "2024-04-01T10:00:00Z", "to", "2024-04-01T12:00:00Z"));
    assertThat(window.getList("rows.bucket", String.class)).containsExactly("2024-04-01T10:00:00Z", "2024-04-01T11:00:00Z");
    assertThat(window.getList("rows.clientId", String.class)).containsOnly(client);

    JsonPath total = aggregates(params("clientId", client, "from", "2024-04-01T10:00:00Z", "to", "2024-04-01T12:00:00Z",
        "granularity", "total"));
    assertThat(total.getList("rows.metric", String.class)).containsExactly("m", "n");
    assertThat(decimal(total, "rows[0].sum")).isEqualTo("5");

    // A total over hours is tiled from the hours and the days inside [from, to).
    JsonPath span = aggregates(params("clientId", client, "metric", "m", "from", "2024-03-31T23:00:00Z", "to", "2024-04-02T01:00:00Z",
        "granularity", "total"));
    assertThat(span.getList("rows.count", Long.class)).containsExactly(4L);
    assertThat(decimal(span, "rows[0].sum")).isEqualTo("10");

    // Days cannot be cut: a day query's bounds are the starts of days.
    JsonPath day = aggregates(params("clientId", client, "metric", "m", "from", "2024-04-01T00:00:00Z", "to", "2024-04-02T00:00:00Z",
        "granularity", "day"));
    assertThat(day.getList("rows.count", Long.class)).containsExactly(4L);
    badParameter("from", "clientId", client, "from", "2024-04-01T11:00:00Z", "granularity", "day");

    JsonPath onlyTo = aggregates(params("clientId", client, "metric", "m", "to", "2024-04-01T10:00:00Z"));
    assertThat(onlyTo.getList("rows.bucket", String.class)).containsExactly("2024-04-01T09:00:00Z");

    JsonPath offsets = aggregates(params("clientId", client, "metric", "m", "from", "2024-04-01T12:00:00+02:00", "to", "2024-04-01T13:00:00+02:00"));
    assertThat(offsets.getList("rows.bucket", String.class)).containsExactly("2024-04-01T10:00:00Z");

    JsonPath limited = aggregates(params("clientId", client, "limit", "2"));
    assertThat(limited.getList("rows")).hasSize(2);
    assertThat(limited.getBoolean("truncated")).isTrue();
    assertThat(aggregates(params("clientId", client, "limit", "5")).getBoolean("truncated")).isFalse();

    // Identifiers are matched exactly: " client" is another client (as in GET /raw-events); a blank one is no filter.
    assertThat(aggregates(params("clientId", " " + client, "granularity", "total")).getList("rows")).isEmpty();
    assertThat(aggregates(params("clientId", client, "metric", "m ", "granularity", "total")).getList("rows")).isEmpty();
    assertThat(aggregates(params("clientId", client, "metric", " ", "granularity", "total")).getList("rows.metric", String.class))
        .containsExactly("m", "n");
  }

  @Test
  void lateEventForAnOldBucketShowsUpAfterTheNextRefresh() throws Exception {
    String client = newClientId("late");
    post(event(client, "m", "1", "2024-05-01T08:00:00Z"));
    refresh();
    assertThat(aggregates(params("clientId", client)).getList("rows.bucket", String.class)).containsExactly("2024-05-01T08:00:00Z");

    try (HeldRefreshLock lock = new HeldRefreshLock()) {
      post(event(client, "m", "2", "2020-01-15T03:20:00Z"));
      post(event(client, "m", "3", "2024-05-01T08:30:00Z"));
      // The view is a snapshot: until it is refreshed, readers see the old numbers.
      JsonPath before = aggregates(params("clientId", client));
      assertThat(before.getList("rows.count", Long.class)).containsExactly(1L);
    }
    refresh();

    JsonPath after = aggregates(params("clientId", client));
    assertThat(after.getList("rows.bucket", String.class)).containsExactly("2020-01-15T03:00:00Z", "2024-05-01T08:00:00Z");
    assertThat(after.getList("rows.count", Long.class)).containsExactly(1L, 2L);
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_buckets WHERE client_id = ?", client)).as("15-minute buckets").isEqualTo(3);
    assertThat(TestDb.one("SELECT event_count FROM aggregate_totals WHERE client_id = ?", client)).containsEntry("event_count", 3L);
  }

  @Test
  void unchangedDataIs304AndNewDataGivesANewETag() throws Exception {
    String client = newClientId("etag");
    post(event(client, "m", "1", "2024-06-01T00:00:00Z"));
    refresh();

    String etag;
    try (HeldRefreshLock lock = new HeldRefreshLock()) {
      Response first = given().queryParam("clientId", client).get("/aggregates");
      first.then().statusCode(200).header("Cache-Control", "no-cache");
      etag = first.header("ETag");
      assertThat(etag).startsWith("W/\"");
      assertThat(Instant.parse(first.header(AggregateResource.AS_OF_HEADER))).isEqualTo(Instant.parse(first.jsonPath().getString("asOf")));

      Response again = given().queryParam("clientId", client).header("If-None-Match", etag).get("/aggregates");
      again.then().statusCode(304).header("ETag", etag).header("Cache-Control", "no-cache");
      assertThat(again.asByteArray()).isEmpty();
      assertThat(again.header(AggregateResource.AS_OF_HEADER)).isNotBlank();

      // The ETag belongs to the query: another query is answered in full.
      given().queryParam("clientId", client).queryParam("granularity", "total").header("If-None-Match", etag).get("/aggregates")
          .then().statusCode(200);
    }

    // Another client's new rows give the view a new generation but leave this answer as it was: still 304, with
    // the new generation's tag for the same rows (dashboards of quiet clients are not re-sent their rows).
    post(event(newClientId("etag-other"), "m", "1", "2024-06-01T00:00:00Z"));
    refresh();
    Response quiet = given().queryParam("clientId", client).header("If-None-Match", etag).get("/aggregates");
    quiet.then().statusCode(304);
    assertThat(quiet.asByteArray()).isEmpty();
    String newer = quiet.header("ETag");
    assertThat(newer).isNotEqualTo(etag);
    assertThat(newer.substring(newer.indexOf('-'))).as("same query, same rows").isEqualTo(etag.substring(etag.indexOf('-')));
    given().queryParam("clientId", client).header("If-None-Match", newer).get("/aggregates").then().statusCode(304);

    post(event(client, "m", "2", "2024-06-01T00:10:00Z"));
    refresh();
    Response changed = given().queryParam("clientId", client).header("If-None-Match", etag).get("/aggregates");
    changed.then().statusCode(200).body("rows[0].count", equalTo(2));
    assertThat(changed.header("ETag")).isNotEqualTo(etag);
  }

  @Test
  void badParametersAre400ProblemsNamingTheParameter() {
    badParameter("granularity", "granularity", "week");
    badParameter("from", "from", "yesterday");
    badParameter("from", "from", "2024-01-01T10:30:00Z");
    badParameter("to", "to", "2024-01-01T10:00:00");
    badParameter("to", "to", "+20000-01-01T00:00:00Z");
    badParameter("to", "from", "2024-01-02T00:00:00Z", "to", "2024-01-01T00:00:00Z");
    badParameter("to", "from", "2024-01-01T00:00:00Z", "to", "2024-01-01T00:00:00Z");
    badParameter("limit", "limit", "0");
    badParameter("limit", "limit", "1000000");
    badParameter("limit", "limit", "ten");
    badParameter("tz", "tz", "Mars/Olympus_Mons");
    badParameter("tz", "tz", "+05:30");
    badParameter("from", "tz", "Asia/Kolkata", "from", "2024-01-01T00:00:00Z");
    badParameter("to", "tz", "America/New_York", "granularity", "day", "to", "2024-03-10T00:00:00Z");
  }

  @Test
  void racingRefreshesRunOneAtATimeAndBothAnswersIncludeEarlierEvents() throws Exception {
    String client = newClientId("race");
    int callers = 2;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    List<JsonPath> results = new ArrayList<>();
    Instant committed;
    try (HeldRefreshLock lock = new HeldRefreshLock()) {
      post(event(client, "m", "7", "2024-07-01T00:00:00Z"));
      committed = dbNow();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<JsonPath>> calls = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        Callable<JsonPath> call = () -> {
          start.await();
          return given().post("/aggregates/refresh").then().statusCode(200).extract().jsonPath();
        };
        calls.add(pool.submit(call));
      }
      start.countDown();
      // Both callers must be queued on the lock before it is released: PostgreSQL then hands it to the first of
      // them, and the scheduled refresh (every second in tests, a try-lock) cannot take the change marker first.
      await("the refresh calls waiting for the lock").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
          .until(() -> TestDb.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") >= callers);
      lock.close();
      for (Future<JsonPath> call : calls) {
        results.add(call.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    // Whichever ran first refreshed (the change marker of our event was waiting); the other found it done.
    assertThat(results).anySatisfy(r -> assertThat(r.getBoolean("refreshed")).isTrue());
    for (JsonPath result : results) {
      assertThat(Instant.parse(result.getString("asOf"))).isAfterOrEqualTo(committed);
    }
    JsonPath after = aggregates(params("clientId", client));
    assertThat(after.getList("rows.count", Long.class)).containsExactly(1L);
    for (JsonPath result : results) {
      assertThat(Instant.parse(after.getString("asOf"))).isAfterOrEqualTo(Instant.parse(result.getString("asOf")));
    }
    // Mutual exclusion: each refresh since then started after the previous one had finished.
    List<Map<String, Object>> log = TestDb.query(
        "SELECT as_of, lag(finished_at) OVER (ORDER BY generation) AS previous_finished FROM aggregate_refreshes "
            + "WHERE generation >= (SELECT max(generation) FROM aggregate_refreshes WHERE as_of < ?) ORDER BY generation",
        Timestamp.from(committed));
    assertThat(log).hasSizeGreaterThan(1);
    for (Map<String, Object> refresh : log.subList(1, log.size())) {
      assertThat((Timestamp) refresh.get("as_of")).isAfter((Timestamp) refresh.get("previous_finished"));
    }
  }

  @Test
  void refreshWaitsForARefreshRunningElsewhereInsteadOfFailing() throws Exception {
    String client = newClientId("wait");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<JsonPath> waiting;
      try (HeldRefreshLock lock = new HeldRefreshLock()) {
        post(event(client, "m", "1", "2024-08-01T00:00:00Z"));
        waiting = pool.submit(() -> given().post("/aggregates/refresh").then().statusCode(200).extract().jsonPath());
        try {
          waiting.get(1500, TimeUnit.MILLISECONDS);
          throw new AssertionError("the refresh did not wait for the lock");
        } catch (TimeoutException expected) {
          // still waiting, as it should
        }
      }
      JsonPath result = waiting.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(result.getBoolean("refreshed")).isTrue();
      assertThat(result.getLong("durationMs")).isGreaterThanOrEqualTo(0);
    } finally {
      pool.shutdownNow();
    }
    assertThat(aggregates(params("clientId", client)).getList("rows.count", Long.class)).containsExactly(1L);
  }

  @Test
  void scheduledRefreshHappensOnItsOwn() throws Exception {
    String client = newClientId("scheduled");
    post(event(client, "m", "42", "2024-09-01T12:00:00Z"));
    List<Object> rows = await("the scheduled refresh picking the event up without being asked")
        .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> aggregates(params("clientId", client)).getList("rows"), found -> !found.isEmpty());
    assertThat(rows).hasSize(1);
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_buckets WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void healthReportsAsOfAndLagAndMetricsAreExposed() {
    refresh();
    JsonPath health = given().port(ManagementPort.of(management)).get("/q/health/well").then().statusCode(200).extract().jsonPath();
    Map<String, Object> check = health.getMap("checks.find { it.name == 'aggregates' }");
    assertThat(check).containsEntry("status", "UP");
    @SuppressWarnings("unchecked")
    Map<String, Object> data = (Map<String, Object>) check.get("data");
    assertThat(Instant.parse((String) data.get("asOf"))).isBefore(Instant.now().plusSeconds(5));
    assertThat(((Number) data.get("lagSeconds")).longValue()).isGreaterThanOrEqualTo(0);
    assertThat(data).containsEntry("consecutiveFailures", 0);
    given().port(ManagementPort.of(management)).get("/q/health").then().statusCode(200).body("checks.find { it.name == 'aggregates' }.status", equalTo("UP"));

    String metrics = given().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200).extract().asString();
    assertThat(metrics).contains("tally_aggregates_refresh_seconds_count", "tally_aggregates_refresh_failures_total",
        "tally_aggregates_view_rows", "tally_aggregates_lag_seconds", "tally_aggregates_refresh_attempts_total{outcome=\"unchanged\"");
  }

  private static void post(String body) {
    given().contentType(ContentType.JSON).body(body).post("/events").then().statusCode(201);
  }

  /** Stores every event (each answered 201), then refreshes so the view holds them all. */
  private static void postAndRefresh(String... events) {
    for (String event : events) {
      post(event);
    }
    refresh();
  }

  private static JsonPath refresh() {
    return given().post("/aggregates/refresh").then().statusCode(200).extract().jsonPath();
  }

  private static Map<String, String> params(String... pairs) {
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      params.put(pairs[i], pairs[i + 1]);
    }
    return params;
  }

  private static JsonPath aggregates(Map<String, String> params) {
    RequestSpecification request = given();
    params.forEach(request::queryParam);
    String body = request.get("/aggregates").then().statusCode(200).contentType(ContentType.JSON).extract().asString();
    return JsonPath.from(body).using(new JsonPathConfig(JsonPathConfig.NumberReturnType.BIG_DECIMAL));
  }

  /** The JSON number as written (integers come back as Integer, fractions as BigDecimal, never as double). */
  private static String decimal(JsonPath json, String path) {
    Object value = json.get(path);
    assertThat(value).isNotInstanceOfAny(Double.class, Float.class);
    return new BigDecimal(value.toString()).toPlainString();
  }

  private static void badParameter(String named, String... pairs) {
    RequestSpecification request = given();
    params(pairs).forEach(request::queryParam);
    request.get("/aggregates").then().statusCode(400).contentType("application/problem+json").body("parameter", equalTo(named));
  }

  private static Instant dbNow() {
    return ((Timestamp) TestDb.one("SELECT now() AS now").get("now")).toInstant();
  }
}
