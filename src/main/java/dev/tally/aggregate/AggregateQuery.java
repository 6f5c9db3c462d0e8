package dev.tally.aggregate;

import dev.tally.platform.BadRequestException;
import dev.tally.platform.QueryParameters;
import dev.tally.platform.TallyConfig;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * A validated GET /aggregates request. Every filter is optional (null); {@code from} is inclusive, {@code to}
 * exclusive, both whole UTC hours because the view stores hours and a part of one cannot be answered exactly.
 * {@code scope}: the clients the caller may read (null: all); rows of other clients are left out.
 */
public record AggregateQuery(String clientId, String metric, Instant from, Instant to, Granularity granularity, int limit,
    List<String> scope) {

  // Far inside PostgreSQL's timestamptz range, so a wild year is a 400 here rather than a database error.
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:00:00Z");

  static AggregateQuery parse(String clientId, String metric, String from, String to, String granularity, String limit,
      String tz, List<String> scope, TallyConfig.Aggregates config) {
    utc(tz);
    Granularity g = granularity == null || granularity.isBlank()
        ? Granularity.HOUR
        : Granularity.parse(granularity.strip()).orElseThrow(() -> new BadRequestException("granularity",
            "granularity \"" + granularity + "\" is not one of hour, day, total"));
    Instant start = hour("from", from);
    Instant end = hour("to", to);
    if (start != null && end != null && !end.isAfter(start)) {
      throw new BadRequestException("to", "to (" + end + ") must be later than from (" + start + "); from is inclusive, to exclusive");
    }
    return new AggregateQuery(QueryParameters.identifier(clientId), QueryParameters.identifier(metric), start, end, g,
        limit(limit, config), scope);
  }

  /** A stable text of everything that shapes the answer, for the ETag. */
  String canonical() {
    return String.join("\u001F", granularity.parameterValue(), String.valueOf(clientId), String.valueOf(metric),
        String.valueOf(from), String.valueOf(to), String.valueOf(limit), String.valueOf(scope));
  }

  private static Instant hour(String parameter, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Instant instant;
    try {
      instant = OffsetDateTime.parse(value.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw new BadRequestException(parameter,
          parameter + " \"" + value + "\" is not an ISO-8601 instant with Z or an offset, such as 2024-01-01T00:00:00Z");
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw new BadRequestException(parameter, parameter + " \"" + value + "\" is outside the years 0001 to 9999");
    }
    if (instant.getEpochSecond() % 3600 != 0 || instant.getNano() != 0) {
      throw new BadRequestException(parameter,
          parameter + " \"" + value + "\" is not a whole UTC hour; aggregates are kept per hour, so use e.g. 2024-01-01T10:00:00Z");
    }
    return instant;
  }

  /**
   * The buckets' zone. The view holds UTC hours, from which only UTC days are exact; a zone is refused with a 400
   * naming it rather than silently answered in UTC.
   */
  private static void utc(String tz) {
    if (tz == null || tz.isBlank()) {
      return;
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(tz.strip());
    } catch (DateTimeException e) {
      throw new BadRequestException("tz", "tz \"" + tz + "\" is not an IANA time zone such as UTC or Europe/Berlin");
    }
    if (!zone.normalized().equals(ZoneOffset.UTC)) {
      throw new BadRequestException("tz", "tz \"" + tz + "\" is not supported yet: aggregates are materialized in UTC hours, so"
          + " only UTC buckets are exact; leave tz out or send tz=UTC");
    }
  }

  private static int limit(String value, TallyConfig.Aggregates config) {
    return QueryParameters.limit("limit", value, config.defaultLimit(), config.maxLimit(), "tally.aggregates.max-limit");
  }
}
