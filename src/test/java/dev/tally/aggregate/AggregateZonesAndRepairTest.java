package dev.tally.aggregate;

import static dev.tally.aggregate.AggregateCalls.aggregates;
import static dev.tally.aggregate.AggregateCalls.post;
import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Zoned hours and days (exact for every offset and DST change), the admin rebuild and the consistency check. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class AggregateZonesAndRepairTest {

  @TestHTTPResource(value = "/", management = true)
  URL management;

  @Inject AggregateRefresher refresher;

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void daysAndHoursBeginWhereTheZoneSays() {
    String client = newClientId("zones");
    post(client,
        // Asia/Kolkata +05:30: the last second of January 1st and the first of January 2nd (both January 1st in UTC).
        event(client, "kolkata", "1", "2024-01-01T18:29:59Z"), event(client, "kolkata", "2", "2024-01-01T18:30:00Z"),
        // Asia/Kathmandu +05:45.
        event(client, "kathmandu", "1", "2024-01-01T18:14:59Z"), event(client, "kathmandu", "2", "2024-01-01T18:15:00Z"),
        // America/New_York: March 10th 2024 has 23 hours, November 3rd 25 (01:00-02:00 twice).
        event(client, "ny", "1", "2024-03-10T04:59:59Z"), event(client, "ny", "2", "2024-03-10T05:00:00Z"),
        event(client, "ny", "3", "2024-03-11T03:59:59Z"), event(client, "ny", "4", "2024-03-11T04:00:00Z"),
        event(client, "ny", "5", "2024-11-03T05:30:00Z"), event(client, "ny", "6", "2024-11-03T06:30:00Z"),
        // Australia/Lord_Howe: on April 7th 2024 at 02:00 (+11:00) clocks go back 30 minutes to 01:30 (+10:30).
        event(client, "lordhowe", "1", "2024-04-06T14:45:00Z"), event(client, "lordhowe", "2", "2024-04-06T15:15:00Z"));

    JsonPath kolkata = aggregates("clientId", client, "metric", "kolkata", "granularity", "day", "tz", "Asia/Kolkata");
    assertThat(kolkata.getList("rows.bucket", String.class)).containsExactly("2024-01-01T00:00:00+05:30", "2024-01-02T00:00:00+05:30");
    assertThat(kolkata.getList("rows.count", Long.class)).containsExactly(1L, 1L);
    JsonPath kolkataHours = aggregates("clientId", client, "metric", "kolkata", "tz", "Asia/Kolkata",
        "from", "2024-01-01T23:00:00+05:30", "to", "2024-01-02T01:00:00+05:30");
    assertThat(kolkataHours.getList("rows.bucket", String.class)).containsExactly("2024-01-01T23:00:00+05:30", "2024-01-02T00:00:00+05:30");
    assertThat(aggregates("clientId", client, "metric", "kolkata", "granularity", "day").getList("rows.bucket", String.class))
        .as("the same events in UTC days").containsExactly("2024-01-01T00:00:00Z");

    // Bounded, days of a half-hour zone are read from whole UTC hours and the quarters of the hours their edges cut.
    assertThat(aggregates("clientId", client, "metric", "kolkata", "granularity", "day", "tz", "Asia/Kolkata",
        "from", "2024-01-01T00:00:00+05:30", "to", "2024-01-03T00:00:00+05:30").getList("rows")).isEqualTo(kolkata.getList("rows"));
    JsonPath kathmanduDays = aggregates("clientId", client, "metric", "kathmandu", "granularity", "day", "tz", "Asia/Kathmandu",
        "from", "2023-12-31T00:00:00+05:45", "to", "2024-01-03T00:00:00+05:45");
    assertThat(kathmanduDays.getList("rows.bucket", String.class)).containsExactly("2024-01-01T00:00:00+05:45", "2024-01-02T00:00:00+05:45");
    assertThat(kathmanduDays.getList("rows.count", Long.class)).containsExactly(1L, 1L);
    JsonPath kathmandu = aggregates("clientId", client, "metric", "kathmandu", "tz", "Asia/Kathmandu");
    assertThat(kathmandu.getList("rows.bucket", String.class)).containsExactly("2024-01-01T23:00:00+05:45", "2024-01-02T00:00:00+05:45");

    JsonPath nyDays = aggregates("clientId", client, "metric", "ny", "granularity", "day", "tz", "America/New_York");
    assertThat(nyDays.getList("rows.bucket", String.class)).containsExactly("2024-03-09T00:00:00-05:00", "2024-03-10T00:00:00-05:00",
        "2024-03-11T00:00:00-04:00", "2024-11-03T00:00:00-04:00");
    assertThat(nyDays.getList("rows.count", Long.class)).containsExactly(1L, 2L, 1L, 2L);
    JsonPath shortDay = aggregates("clientId", client, "metric", "ny", "granularity", "total", "tz", "America/New_York",
        "from", "2024-03-10T00:00:00-05:00", "to", "2024-03-11T00:00:00-04:00");
    assertThat(shortDay.getList("rows.count", Long.class)).as("the 23-hour day").containsExactly(2L);
    JsonPath repeatedHour = aggregates("clientId", client, "metric", "ny", "tz", "America/New_York",
        "from", "2024-11-03T00:00:00-04:00", "to", "2024-11-04T00:00:00-05:00");
    assertThat(repeatedHour.getList("rows.bucket", String.class)).containsExactly("2024-11-03T01:00:00-04:00", "2024-11-03T01:00:00-05:00");

    JsonPath lordHowe = aggregates("clientId", client, "metric", "lordhowe", "tz", "Australia/Lord_Howe");
    assertThat(lordHowe.getList("rows.bucket", String.class)).containsExactly("2024-04-07T01:00:00+11:00", "2024-04-07T01:00:00+10:30");
    JsonPath lordHoweDay = aggregates("clientId", client, "metric", "lordhowe", "granularity", "day", "tz", "Australia/Lord_Howe");
    assertThat(lordHoweDay.getList("rows.bucket", String.class)).containsExactly("2024-04-07T00:00:00+11:00");
    assertThat(lordHoweDay.getList("rows.count", Long.class)).containsExactly(2L);
    assertThat(aggregates("clientId", client, "metric", "lordhowe", "granularity", "day", "tz", "Australia/Lord_Howe",
        "from", "2024-04-07T00:00:00+11:00", "to", "2024-04-08T00:00:00+10:30").getList("rows")).isEqualTo(lordHoweDay.getList("rows"));
  }

  @Test
  void rebuildRecomputesEveryLevelFromTheEventsWithProgress() {
    String client = newClientId("rebuild");
    post(client, event(client, "m", "2.5", "2024-02-01T10:00:00Z"), event(client, "m", "0.5", "2024-02-03T10:00:00Z"));
    // Damage above the 15-minute level, which the consistency check does not sample: only a rebuild repairs it.
    TestDb.update("UPDATE aggregate_totals SET event_count = 99, amount_sum = 99 WHERE client_id = ?", client);
    TestDb.update("UPDATE aggregate_days SET event_count = 99 WHERE client_id = ?", client);

    Response started = given().post("/aggregates/rebuild");
    started.then().statusCode(202);
    String location = started.header("Location");
    assertThat(location).contains("/aggregates/rebuilds/" + started.jsonPath().getLong("id"));
    // Every client of the tests' database is rebuilt, however many earlier tests made.
    JsonPath done = await("the rebuild finishing").atMost(TIMEOUT.multipliedBy(3)).pollInterval(Duration.ofMillis(200))
        .until(() -> given().get("/aggregates/rebuilds/" + started.jsonPath().getLong("id")).then().statusCode(200).extract().jsonPath(),
            progress -> !"running".equals(progress.getString("state")));
    assertThat(done.getString("state")).isEqualTo("succeeded");
    assertThat(done.getLong("processed")).isEqualTo(done.getLong("total")).isPositive();
    assertThat(done.getString("finishedAt")).isNotNull();

    assertThat(TestDb.one("SELECT event_count, amount_sum::text AS sum FROM aggregate_totals WHERE client_id = ?", client))
        .containsEntry("event_count", 2L).containsEntry("sum", "3.0");
    assertThat(TestDb.count("SELECT sum(event_count) FROM aggregate_days WHERE client_id = ?", client)).isEqualTo(2);
    given().get("/aggregates/rebuilds/999999999").then().statusCode(404);
  }

  @Test
  void theConsistencyCheckFindsADamagedBucketReportsItAndTheNextRefreshRepairsIt() {
    String client = newClientId("check");
    post(client, event(client, "m", "7", "2024-02-05T10:00:00Z"));
    TestDb.update("UPDATE aggregate_buckets SET amount_sum = 8 WHERE client_id = ?", client);

    // The check runs after each scheduled refresh this replica wins; it is called here too, so that a second replica
    // (tests with SecondInstance) winning the lock cannot keep it from running.
    Map<String, Object> data = await("the check reporting the damaged bucket").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          refresher.check().await().atMost(TIMEOUT);
          return healthData();
        }, d -> String.valueOf(d.get("lastInconsistency")).contains(client));
    assertThat(String.valueOf(data.get("lastInconsistency"))).contains("materialized count 1, sum 8", "recomputed count 1, sum 7");
    await("the repair").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> TestDb.one("SELECT amount_sum::text AS sum FROM aggregate_buckets WHERE client_id = ?", client).get("sum"), "7"::equals);
    String metrics = given().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200).extract().asString();
    assertThat(metrics).contains("tally_aggregates_consistency_inconsistent_total", "tally_aggregates_consistency_checks_total");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> healthData() {
    JsonPath health = given().port(ManagementPort.of(management)).get("/q/health/well").then().extract().jsonPath();
    Map<String, Object> check = health.getMap("checks.find { it.name == 'aggregates' }");
    return (Map<String, Object>) check.get("data");
  }
}
