package dev.tally.aggregate;

import java.util.Arrays;
import java.util.Optional;

/** The bucket size of GET /aggregates; day and total are summed from the hourly rows (UTC days). */
public enum Granularity {
  HOUR, DAY, TOTAL;

  public String parameterValue() {
    return name().toLowerCase();
  }

  static Optional<Granularity> parse(String value) {
    return Arrays.stream(values()).filter(g -> g.parameterValue().equalsIgnoreCase(value)).findFirst();
  }
}
