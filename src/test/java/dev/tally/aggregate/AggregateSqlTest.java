package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which levels answer a total over [from, to), and which zones the hourly level can answer exactly. */
class AggregateSqlTest {

  @ParameterizedTest(name = "[{0}, {1}) → {2}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      2024-01-01T10:15:00Z | 2024-01-01T10:45:00Z | buckets 01-01T10:15..01-01T10:45
      2024-01-01T10:00:00Z | 2024-01-01T12:00:00Z | hours 01-01T10:00..01-01T12:00
      2024-01-01T10:30:00Z | 2024-01-01T12:30:00Z | buckets 01-01T10:30..01-01T11:00, hours 01-01T11:00..01-01T12:00, buckets 01-01T12:00..01-01T12:30
      2024-01-01T00:00:00Z | 2024-01-03T00:00:00Z | days 01-01T00:00..01-03T00:00
      2023-12-31T18:30:00Z | 2024-01-02T18:30:00Z | buckets 12-31T18:30..12-31T19:00, hours 12-31T19:00..01-01T00:00, days 01-01T00:00..01-02T00:00, hours 01-02T00:00..01-02T18:00, buckets 01-02T18:00..01-02T18:30
      -                    | 2024-01-02T01:00:00Z | days ∞..01-02T00:00, hours 01-02T00:00..01-02T01:00
      2024-01-01T23:00:00Z | -                    | hours 01-01T23:00..01-02T00:00, days 01-02T00:00..∞
      """)
  void aTotalIsTiledByTheCoarsestLevels(String from, String to, String expected) {
    List<AggregateSql.Piece> pieces = AggregateSql.cover(from == null ? null : Instant.parse(from), to == null ? null : Instant.parse(to));
    assertThat(pieces.stream().map(AggregateSqlTest::describe).collect(Collectors.joining(", "))).isEqualTo(expected);
    for (int i = 1; i < pieces.size(); i++) {
      assertThat(pieces.get(i).from()).as("contiguous, no overlap").isEqualTo(pieces.get(i - 1).to());
    }
  }

  @ParameterizedTest(name = "{0}: quarter hours {1}, whole hours {2}")
  @CsvSource({
      "UTC, true, true",
      "America/New_York, true, true",
      "Europe/Berlin, true, true",
      "Asia/Kolkata, true, false",
      "Asia/Kathmandu, true, false",
      "Australia/Lord_Howe, true, false",
      "Australia/Adelaide, true, false",
      "Africa/Monrovia, true, true",
      "Pacific/Kiritimati, true, true"})
  void zonesAreSplitByTheLevelThatAnswersThemExactly(String zone, boolean quarterHours, boolean wholeHours) {
    assertThat(Zones.quarterHourOffsets(ZoneId.of(zone))).isEqualTo(quarterHours);
    assertThat(Zones.wholeHourOffsets(ZoneId.of(zone))).isEqualTo(wholeHours);
  }

  private static String describe(AggregateSql.Piece piece) {
    String table = switch (piece.table()) {
      case AggregateSql.BUCKETS -> "buckets";
      case AggregateSql.HOURS -> "hours";
      default -> "days";
    };
    return table + " " + time(piece.from()) + ".." + time(piece.to());
  }

  /** Month, day, hour and minute (the years are implied), or ∞ for an open side. */
  private static String time(Instant instant) {
    return instant == null ? "∞" : instant.toString().substring(5, 16);
  }
}
