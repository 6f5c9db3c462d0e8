package dev.tally.outcome;

import dev.tally.aggregate.AggregateQuery;
import dev.tally.aggregate.Granularity;
import dev.tally.platform.BadRequestException;
import dev.tally.platform.TallyConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A validated GET /outcomes request: hour or day buckets of {@code zone} over [from, to), read like GET /aggregates
 * reads its parameters (same rules for from, to, granularity, tz and limit). {@code to} defaults to the end of the
 * current hour (day), {@code from} to tally.outcomes.default-range before it; the range is at most
 * tally.outcomes.max-range. {@code scope}: the clients the caller may read (null: all).
 */
record OutcomeQuery(String clientId, Instant from, Instant to, Granularity granularity, ZoneId zone, int limit,
    List<String> scope) {

  static OutcomeQuery parse(String clientId, String from, String to, String granularity, String limit, String tz,
      List<String> scope, TallyConfig config, Instant now) {
    AggregateQuery parsed = AggregateQuery.parse(clientId, null, from, to, granularity, limit, tz, scope, config.aggregates());
    if (parsed.granularity() == Granularity.TOTAL) {
      throw new BadRequestException("granularity", "granularity \"" + granularity + "\" is not one of hour, day");
    }
    Instant end = parsed.to() != null ? parsed.to() : nextBoundary(now, parsed.granularity(), parsed.zone());
    Instant start = parsed.from() != null ? parsed.from() : defaultStart(end, parsed.granularity(), parsed.zone(), config.outcomes());
    if (!end.isAfter(start)) {
      throw new BadRequestException("from", "from (" + start + ") must be earlier than to (" + end + "); from is inclusive, to exclusive");
    }
    Duration max = config.outcomes().maxRange();
    if (Duration.between(start, end).compareTo(max) > 0) {
      throw new BadRequestException("from", "from " + start + " to " + end + " is longer than " + max.toDays()
          + " days (tally.outcomes.max-range); ask for a shorter range");
    }
    return new OutcomeQuery(parsed.clientId(), start, end, parsed.granularity(), parsed.zone(), parsed.limit(), scope);
  }

  /** A stable text of everything that shapes the answer, for the ETag. */
  String canonical() {
    return String.join("\u001F", granularity.parameterValue(), String.valueOf(clientId), from.toString(), to.toString(),
        String.valueOf(limit), String.valueOf(scope), zone.getId());
  }

  private static Instant nextBoundary(Instant now, Granularity granularity, ZoneId zone) {
    ZonedDateTime local = now.atZone(zone);
    ZonedDateTime start = granularity == Granularity.DAY
        ? local.toLocalDate().atStartOfDay(zone)
        : local.truncatedTo(ChronoUnit.HOURS);
    return (granularity == Granularity.DAY ? local.toLocalDate().plusDays(1).atStartOfDay(zone) : start.plusHours(1)).toInstant();
  }

  /** {@code range} before {@code end}, moved back to a whole hour (the start of a day) of the zone. */
  private static Instant defaultStart(Instant end, Granularity granularity, ZoneId zone, TallyConfig.Outcomes config) {
    ZonedDateTime local = end.minus(config.defaultRange()).atZone(zone);
    return (granularity == Granularity.DAY ? local.toLocalDate().atStartOfDay(zone) : local.truncatedTo(ChronoUnit.HOURS)).toInstant();
  }
}
