package dev.tally.aggregate;

import java.util.Arrays;
import java.util.Optional;

/** The bucket size of GET /aggregates; hours and days begin in the query's zone. */
public enum Granularity {
  HOUR, DAY, TOTAL;

  public String parameterValue() {
    return name().toLowerCase();
  }

  static Optional<Granularity> parse(String value) {
    return Arrays.stream(values()).filter(g -> g.parameterValue().equalsIgnoreCase(value)).findFirst();
  }
}
