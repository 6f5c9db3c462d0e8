package dev.tally.aggregate;

import dev.tally.platform.BadRequestException;
import dev.tally.platform.QueryParameters;
import dev.tally.platform.TallyConfig;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * A validated GET /aggregates request. Every filter is optional (null); {@code from} is inclusive, {@code to}
 * exclusive. {@code zone} ({@code tz}, UTC by default) is where hours and days begin; {@code from} and {@code to}
 * must be whole hours of it (whole days for granularity day), because a part of a bucket cannot be answered.
 * {@code scope}: the clients the caller may read (null: all); rows of other clients are left out.
 */
public record AggregateQuery(String clientId, String metric, Instant from, Instant to, Granularity granularity, ZoneId zone,
    int limit, List<String> scope) {

  // Far inside PostgreSQL's timestamptz range, so a wild year is a 400 here rather than a database error.
  private static final Instant EARLIEST = Instant.parse("0001-01-02T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-30T00:00:00Z");

  public static AggregateQuery parse(String clientId, String metric, String from, String to, String granularity, String limit,
      String tz, List<String> scope, TallyConfig.Aggregates config) {
    ZoneId zone = zone(tz);
    Granularity g = granularity == null || granularity.isBlank()
        ? Granularity.HOUR
        : Granularity.parse(granularity.strip()).orElseThrow(() -> new BadRequestException("granularity",
            "granularity \"" + granularity + "\" is not one of hour, day, total"));
    Instant start = bound("from", from, g, zone);
    Instant end = bound("to", to, g, zone);
    if (start != null && end != null && !end.isAfter(start)) {
      throw new BadRequestException("to", "to (" + end + ") must be later than from (" + start + "); from is inclusive, to exclusive");
    }
    return new AggregateQuery(QueryParameters.identifier(clientId), QueryParameters.identifier(metric), start, end, g, zone,
        limit(limit, config), scope);
  }

  boolean utc() {
    return zone.equals(ZoneOffset.UTC);
  }

  /** A stable text of everything that shapes the answer, for the ETag. */
  String canonical() {
    return String.join("\u001F", granularity.parameterValue(), String.valueOf(clientId), String.valueOf(metric),
        String.valueOf(from), String.valueOf(to), String.valueOf(limit), String.valueOf(scope), zone.getId());
  }

  private static Instant bound(String parameter, String value, Granularity granularity, ZoneId zone) {
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
    ZonedDateTime local = instant.atZone(zone);
    String where = zone.equals(ZoneOffset.UTC) ? "UTC" : zone.getId();
    if (granularity == Granularity.DAY) {
      ZonedDateTime dayStart = local.toLocalDate().atStartOfDay(zone);
      if (!dayStart.toInstant().equals(instant)) {
        throw new BadRequestException(parameter, parameter + " \"" + value + "\" is not the start of a day in " + where
            + "; day buckets cannot be cut, so use e.g. " + AggregateRepository.LABEL.format(dayStart));
      }
    } else if (local.getMinute() != 0 || local.getSecond() != 0 || local.getNano() != 0) {
      throw new BadRequestException(parameter, parameter + " \"" + value + "\" is not a whole hour in " + where
          + "; aggregates are kept per hour, so use e.g. " + AggregateRepository.LABEL.format(local.withMinute(0).withSecond(0).withNano(0)));
    }
    return instant;
  }

  /**
   * The buckets' zone: an IANA zone id (UTC by default). A bare offset such as +05:30 is refused: it has no DST rules,
   * and PostgreSQL reads such names with the opposite (POSIX) sign.
   */
  public static ZoneId zone(String tz) {
    if (tz == null || tz.isBlank()) {
      return ZoneOffset.UTC;
    }
    String id = tz.strip();
    ZoneId zone;
    try {
      zone = ZoneId.of(id);
    } catch (DateTimeException e) {
      throw new BadRequestException("tz", "tz \"" + tz + "\" is not an IANA time zone such as UTC, Asia/Kolkata or America/New_York");
    }
    if (zone.getRules().isFixedOffset() && zone.getRules().getOffset(Instant.EPOCH).equals(ZoneOffset.UTC)) {
      return ZoneOffset.UTC;
    }
    if (!ZoneId.getAvailableZoneIds().contains(zone.getId()) || !Zones.quarterHourOffsets(zone)) {
      throw new BadRequestException("tz", "tz \"" + tz + "\" is not an IANA time zone such as UTC, Asia/Kolkata or America/New_York"
          + " (offsets like +05:30 are not zones: name the zone)");
    }
    return zone;
  }

  private static int limit(String value, TallyConfig.Aggregates config) {
    return QueryParameters.limit("limit", value, config.defaultLimit(), config.maxLimit(), "tally.aggregates.max-limit");
  }
}
