package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bucket labels written by hand are exactly {@link AggregateRepository#LABEL}'s text. */
class BucketLabelTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "2024-02-01T00:00:00Z, 2024-02-01T00:00:00Z",
      "2024-02-01T05:30:00+05:30, 2024-02-01T05:30:00+05:30",
      "2024-02-01T05:45:00+05:45, 2024-02-01T05:45:00+05:45",
      "2024-11-03T01:00:00-04:00, 2024-11-03T01:00:00-04:00",
      "2024-11-03T01:00:00-05:00, 2024-11-03T01:00:00-05:00",
      "2024-04-07T01:30:00+10:30, 2024-04-07T01:30:00+10:30",
      "0001-01-01T00:00:00Z, 0001-01-01T00:00:00Z",
      "9999-12-31T23:00:00-12:00, 9999-12-31T23:00:00-12:00",
      "2024-02-01T00:00:00+14:00, 2024-02-01T00:00:00+14:00",
      // Offsets with seconds (local mean times before 1900) and years past 9999 take the formatter's path.
      "1880-01-01T00:00:00+00:44:30, 1880-01-01T00:00:00+00:44",
      "+10000-01-01T00:00:00Z, +10000-01-01T00:00:00Z"})
  void writesTheFormattersText(String instant, String expected) {
    OffsetDateTime start = OffsetDateTime.parse(instant);
    assertThat(AggregateRepository.format(start)).isEqualTo(AggregateRepository.LABEL.format(start)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "2024-03-10T00:00:00, America/New_York, 2024-03-10T00:00:00-05:00",
      "2024-03-11T00:00:00, America/New_York, 2024-03-11T00:00:00-04:00",
      "2024-02-01T00:00:00, Asia/Kolkata, 2024-02-01T00:00:00+05:30"})
  void daysCarryTheOffsetOfTheirStart(String local, String zone, String expected) {
    assertThat(AggregateRepository.label(LocalDateTime.parse(local), null, ZoneId.of(zone))).isEqualTo(expected);
    assertThat(AggregateRepository.label(LocalDateTime.parse(local), 0, ZoneOffset.UTC)).isEqualTo(local + "Z");
  }
}
