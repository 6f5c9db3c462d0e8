package dev.tally.aggregate;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneOffsetTransitionRule;
import java.time.zone.ZoneRules;

/**
 * Which materialized level can answer a zone exactly. Buckets are 15 minutes, aligned to UTC: a zone whose offsets
 * are all multiples of 15 minutes (every zone since 1980) cuts no bucket; one whose offsets are all whole hours cuts
 * no UTC hour either, so its hours and days can be summed from the hourly level (4 times fewer rows).
 */
final class Zones {

  /**
   * Offsets before this may be local mean times and the like (Liberia kept -00:44:30 until 1972, Kiritimati -10:40
   * until 1979); events that old are bucketed by their UTC quarter hour, which such a zone cuts.
   */
  static final Instant SINCE = Instant.parse("1980-01-01T00:00:00Z");

  private Zones() {}

  static boolean quarterHourOffsets(ZoneId zone) {
    return offsetsDivide(zone, 900);
  }

  static boolean wholeHourOffsets(ZoneId zone) {
    return offsetsDivide(zone, 3600);
  }

  private static boolean offsetsDivide(ZoneId zone, int seconds) {
    ZoneRules rules = zone.getRules();
    if (rules.getOffset(SINCE).getTotalSeconds() % seconds != 0) {
      return false;
    }
    for (ZoneOffsetTransition transition : rules.getTransitions()) {
      if (transition.getInstant().isAfter(SINCE) && transition.getOffsetAfter().getTotalSeconds() % seconds != 0) {
        return false;
      }
    }
    for (ZoneOffsetTransitionRule rule : rules.getTransitionRules()) {
      if (rule.getOffsetAfter().getTotalSeconds() % seconds != 0 || rule.getStandardOffset().getTotalSeconds() % seconds != 0) {
        return false;
      }
    }
    return true;
  }
}
