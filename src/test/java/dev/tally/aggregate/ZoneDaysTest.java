package dev.tally.aggregate;

import static dev.tally.aggregate.AggregateCalls.aggregates;
import static dev.tally.aggregate.AggregateCalls.post;
import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Days of the zones in tally.aggregates.day-zones (the tests list America/New_York, Asia/Kolkata and
 * Australia/Lord_Howe) are read from the pre-rolled level, and answer exactly what a recompute from events says, DST
 * days included; a zone that is not complete in the reading statement's snapshot is summed from hours and buckets
 * instead, and Tally fills it again.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class ZoneDaysTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> LISTED = List.of("America/New_York", "Asia/Kolkata", "Australia/Lord_Howe");

  @Test
  void listedZonesAnswerTheirDaysExactlyFromThePreRolledLevel() {
    String client = newClientId("zone-days");
    post(client,
        // New York: March 10th 2024 has 23 hours, November 3rd 25.
        event(client, "m", "1.5", "2024-03-10T04:59:59Z"), event(client, "m", "2.25", "2024-03-10T05:00:00Z"),
        event(client, "m", "3", "2024-03-11T03:59:59Z"), event(client, "m", "4", "2024-03-11T04:00:00Z"),
        event(client, "m", "5", "2024-11-03T05:30:00Z"), event(client, "m", "6", "2024-11-03T06:30:00Z"),
        // Kolkata's days begin at 18:30Z.
        event(client, "m", "7", "2024-01-01T18:29:59Z"), event(client, "m", "8", "2024-01-01T18:30:00Z"),
        // Lord Howe: April 7th 2024 at 02:00 (+11:00) clocks go back 30 minutes to 01:30 (+10:30).
        event(client, "m", "9", "2024-04-06T12:59:59Z"), event(client, "m", "10", "2024-04-06T13:00:00Z"),
        event(client, "m", "11", "2024-04-06T14:45:00Z"), event(client, "m", "12", "2024-04-06T15:15:00Z"),
        event(client, "n", "13", "2024-04-07T13:29:59Z"), event(client, "n", "14", "2024-04-07T13:30:00Z"));
    awaitComplete();

    for (String zone : LISTED) {
      assertThat(TestDb.count("SELECT count(*) FROM aggregate_zone_days WHERE client_id = ? AND zone = ?", client, zone))
          .as("pre-rolled days of " + zone).isPositive();
      assertThat(days(client, zone, null, null)).as(zone).isEqualTo(recomputed(client, zone));
    }
    // A range of days, given as the zone's day starts: read by date.
    JsonPath shortDay = aggregates("clientId", client, "granularity", "day", "tz", "America/New_York",
        "from", "2024-03-10T00:00:00-05:00", "to", "2024-03-11T00:00:00-04:00");
    assertThat(shortDay.getList("rows.bucket", String.class)).containsExactly("2024-03-10T00:00:00-05:00");
    assertThat(shortDay.getList("rows.count", Long.class)).as("the 23-hour day").containsExactly(2L);
    assertThat(shortDay.getList("rows.sum", String.class)).containsExactly("5.25");
  }

  @Test
  void aZoneNotCompleteInTheSnapshotIsSummedInsteadAndFilledAgain() {
    String client = newClientId("zone-refill");
    post(client, event(client, "m", "1", "2024-01-01T18:29:59Z"), event(client, "m", "2", "2024-01-01T18:30:00Z"));
    awaitComplete();
    List<String> truth = recomputed(client, "Asia/Kolkata");

    // A wrong pre-rolled row is what GET answers while the zone is complete: the level is really read.
    TestDb.update("UPDATE aggregate_zone_days SET event_count = 99 WHERE client_id = ? AND zone = 'Asia/Kolkata'", client);
    assertThat(days(client, "Asia/Kolkata", null, null)).isNotEqualTo(truth);
    // Incomplete (as after a crash mid-fill, or a replica listing it anew): summed per request, then filled again.
    TestDb.update("UPDATE aggregate_zones SET ready = false WHERE zone = 'Asia/Kolkata'");
    assertThat(days(client, "Asia/Kolkata", null, null)).isEqualTo(truth);
    awaitComplete();
    assertThat(TestDb.count("SELECT count(*) FROM aggregate_zone_days WHERE client_id = ? AND event_count = 99", client)).isZero();
    assertThat(days(client, "Asia/Kolkata", null, null)).isEqualTo(truth);
  }

  @Test
  void theListMustNameZonesTallyCanBucketExactly() {
    assertThat(ZoneDays.configured(List.of("Asia/Kolkata", " America/New_York ", "Asia/Kolkata", "UTC", "")))
        .containsExactly(ZoneId.of("Asia/Kolkata"), ZoneId.of("America/New_York"));
    assertThatThrownBy(() -> ZoneDays.configured(List.of("Mars/Olympus_Mons")))
        .hasMessageContaining("tally.aggregates.day-zones").hasMessageContaining("Mars/Olympus_Mons");
    assertThatThrownBy(() -> ZoneDays.configured(List.of("+05:30"))).hasMessageContaining("+05:30");
  }

  /** "day count sum" per day of the client in the zone, as GET answers them. */
  private static List<String> days(String client, String zone, String from, String to) {
    JsonPath page = from == null
        ? aggregates("clientId", client, "granularity", "day", "tz", zone)
        : aggregates("clientId", client, "granularity", "day", "tz", zone, "from", from, "to", to);
    List<String> days = new ArrayList<>();
    for (Map<String, Object> row : page.<Map<String, Object>>getList("rows")) {
      days.add(row.get("metric") + " " + row.get("bucket").toString().substring(0, 10) + " " + row.get("count") + " "
          + new BigDecimal(row.get("sum").toString()).stripTrailingZeros().toPlainString());
    }
    return days;
  }

  /** The same from the client's events, grouped by their local date in the zone. */
  private static List<String> recomputed(String client, String zone) {
    List<String> days = new ArrayList<>();
    for (Map<String, Object> row : TestDb.query("SELECT metric, (ts AT TIME ZONE ?)::date::text AS day, count(*) AS n, sum(amount) AS s"
        + " FROM events WHERE client_id = ? GROUP BY 1, 2 ORDER BY 1, 2", zone, client)) {
      days.add(row.get("metric") + " " + row.get("day") + " " + row.get("n") + " "
          + ((BigDecimal) row.get("s")).stripTrailingZeros().toPlainString());
    }
    return days;
  }

  /** Every listed zone complete (filled after Tally's start, or again after it was found incomplete). */
  private static void awaitComplete() {
    await().atMost(TIMEOUT).until(() -> TestDb.count("SELECT count(*) FROM aggregate_zones WHERE ready AND zone IN ("
        + String.join(", ", LISTED.stream().map(zone -> "'" + zone + "'").toList()) + ")") == LISTED.size());
  }
}
