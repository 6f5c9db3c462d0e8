package dev.tally.aggregate;

import dev.tally.platform.SqlFilter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The SELECT behind GET /aggregates: which materialized level answers a query, and how. Every answer reads one level
 * at its own granularity, never a finer one over all history:
 * <ul>
 *   <li>UTC hours from aggregate_hours, UTC days from aggregate_days, totals from aggregate_totals;
 *   <li>a total over [from, to) from the coarsest levels that tile it: whole UTC days, then hours, then 15-minute
 *       buckets at the edges;
 *   <li>hours and days of another zone from aggregate_hours when its offsets are whole hours (New York, Berlin), else
 *       from the 15-minute aggregate_buckets (Kolkata, Kathmandu, Lord Howe) — for days over a bounded range only the
 *       quarters of the hours a day boundary cuts, the other hours from aggregate_hours: each source row lies in exactly
 *       one hour and one day of the zone, so the sums are exact across DST changes too.
 * </ul>
 * Every query yields client_id, metric, label_local (the bucket's local start, a timestamp), label_offset (its UTC
 * offset in seconds; null for zoned days, whose offset is that of the day's start), sort_key and the four figures.
 */
final class AggregateSql {

  static final String BUCKETS = "aggregate_buckets";
  static final String HOURS = "aggregate_hours";
  static final String DAYS = "aggregate_days";

  private static final String FIGURES = "event_count, amount_sum, amount_min, amount_max";
  private static final String SUMMED = "sum(event_count)::bigint AS event_count, sum(amount_sum) AS amount_sum, "
      + "min(amount_min) AS amount_min, max(amount_max) AS amount_max";
  private static final long HOUR = 3600;
  private static final long DAY = 86400;
  /** Longest zoned day range read through {@link #dayEdges}; a longer one is summed from the 15-minute level. */
  private static final int MAX_DAYS = 1000;

  private AggregateSql() {}

  /** The rows of {@code query}, at most {@code limit} (a placeholder already bound in {@code filter}). */
  static String rows(AggregateQuery query, SqlFilter filter, String limit) {
    String where = filter.where();
    if (query.granularity() == Granularity.TOTAL) {
      if (query.from() == null && query.to() == null) {
        return "SELECT client_id, metric, NULL::timestamp AS label_local, NULL::int AS label_offset, NULL::timestamptz AS sort_key, "
            + FIGURES + " FROM aggregate_totals" + where + " ORDER BY client_id, metric LIMIT " + limit;
      }
      List<String> pieces = new ArrayList<>();
      for (Piece piece : cover(query.from(), query.to())) {
        pieces.add("SELECT client_id, metric, " + FIGURES + " FROM " + piece.table() + range(where, filter, piece.from(), piece.to()));
      }
      return "SELECT client_id, metric, NULL::timestamp AS label_local, NULL::int AS label_offset, NULL::timestamptz AS sort_key, "
          + SUMMED + " FROM (" + String.join(" UNION ALL ", pieces) + ") p GROUP BY 1, 2 ORDER BY 1, 2 LIMIT " + limit;
    }
    String ranged = range(where, filter, query.from(), query.to());
    if (query.utc()) {
      String table = query.granularity() == Granularity.HOUR ? HOURS : DAYS;
      return "SELECT client_id, metric, bucket AT TIME ZONE 'UTC' AS label_local, 0 AS label_offset, bucket AS sort_key, "
          + FIGURES + " FROM " + table + ranged + " ORDER BY client_id, metric, bucket LIMIT " + limit;
    }
    String source = Zones.wholeHourOffsets(query.zone()) ? HOURS : BUCKETS;
    String tz = filter.bind(query.zone().getId());
    String local = "(bucket AT TIME ZONE " + tz + ")";
    if (query.granularity() == Granularity.HOUR) {
      // The offset is part of the label: the repeated hour of a DST change is two buckets (01:00-04:00, 01:00-05:00).
      return "SELECT client_id, metric, date_trunc('hour', " + local + ") AS label_local, "
          + "extract(epoch FROM " + local + " - (bucket AT TIME ZONE 'UTC'))::int AS label_offset, min(bucket) AS sort_key, "
          + SUMMED + " FROM " + source + ranged + " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 5 LIMIT " + limit;
    }
    String days = "SELECT client_id, metric, date_trunc('day', " + local + ") AS label_local, NULL::int AS label_offset, "
        + "min(bucket) AS sort_key, " + SUMMED + " FROM ";
    List<OffsetDateTime> edges = source.equals(BUCKETS) ? dayEdges(query) : null;
    if (edges == null) {
      return days + source + ranged + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT " + limit;
    }
    // Kolkata's days begin at 18:30Z: a day is 23 whole UTC hours of its own and two quarters of each hour it shares
    // with a neighbour. Read the hours that lie inside one day from aggregate_hours, the quarters of the shared hours
    // (listed, so an index lookup each) from aggregate_buckets: about 27 rows a day instead of 96.
    String insideOneDay = (ranged.isEmpty() ? " WHERE " : ranged + " AND ") + "date_trunc('day', " + local
        + ") = date_trunc('day', (bucket + interval '45 minutes') AT TIME ZONE " + tz + ")";
    String shared = (ranged.isEmpty() ? " WHERE " : ranged + " AND ") + "bucket = ANY(" + filter.bind(edges.toArray(OffsetDateTime[]::new)) + ")";
    return days + "(SELECT client_id, metric, bucket, " + FIGURES + " FROM " + HOURS + insideOneDay
        + " UNION ALL SELECT client_id, metric, bucket, " + FIGURES + " FROM " + BUCKETS + shared
        + ") p GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT " + limit;
  }

  /**
   * The days of a listed zone from the pre-rolled level (V18): {@code from} and {@code to} are starts of days in the
   * zone (checked by {@link AggregateQuery}), so they are dates there.
   */
  static String zoneDays(AggregateQuery query, SqlFilter filter, String limit) {
    String where = filter.where();
    List<String> conditions = new ArrayList<>();
    conditions.add("zone = " + filter.bind(query.zone().getId()));
    if (query.from() != null) {
      conditions.add("day >= " + filter.bind(query.from().atZone(query.zone()).toLocalDate()));
    }
    if (query.to() != null) {
      conditions.add("day < " + filter.bind(query.to().atZone(query.zone()).toLocalDate()));
    }
    return "SELECT client_id, metric, day::timestamp AS label_local, NULL::int AS label_offset, day AS sort_key, " + FIGURES
        + " FROM aggregate_zone_days" + (where.isEmpty() ? " WHERE " : where + " AND ") + String.join(" AND ", conditions)
        + " ORDER BY client_id, metric, day LIMIT " + limit;
  }

  /**
   * The 15-minute buckets of the UTC hours that a day boundary of the query's zone cuts, for [from, to] (bounds
   * included: the hours around them are cut too); null when the range is open or longer than MAX_DAYS days.
   */
  static List<OffsetDateTime> dayEdges(AggregateQuery query) {
    if (query.from() == null || query.to() == null) {
      return null;
    }
    LocalDate first = query.from().atZone(query.zone()).toLocalDate();
    LocalDate last = query.to().atZone(query.zone()).toLocalDate();
    if (first.plusDays(MAX_DAYS).isBefore(last)) {
      return null;
    }
    List<OffsetDateTime> edges = new ArrayList<>();
    for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
      Instant start = day.atStartOfDay(query.zone()).toInstant();
      Instant hour = floor(start, HOUR);
      if (!hour.equals(start)) {
        for (int quarter = 0; quarter < 4; quarter++) {
          edges.add(OffsetDateTime.ofInstant(hour.plusSeconds(900L * quarter), ZoneOffset.UTC));
        }
      }
    }
    return edges;
  }

  private static String range(String where, SqlFilter filter, Instant from, Instant to) {
    List<String> conditions = new ArrayList<>();
    if (from != null) {
      conditions.add("bucket >= " + filter.bind(OffsetDateTime.ofInstant(from, ZoneOffset.UTC)));
    }
    if (to != null) {
      conditions.add("bucket < " + filter.bind(OffsetDateTime.ofInstant(to, ZoneOffset.UTC)));
    }
    if (conditions.isEmpty()) {
      return where;
    }
    return (where.isEmpty() ? " WHERE " : where + " AND ") + String.join(" AND ", conditions);
  }

  /** A part of [from, to) answered from one level; a null bound is unbounded. */
  record Piece(String table, Instant from, Instant to) {}

  /**
   * [from, to) (15-minute aligned, either side open when null) as the fewest rows of the three levels: whole UTC days
   * from aggregate_days, the whole hours around them from aggregate_hours, the quarters at the edges from
   * aggregate_buckets. Pieces never overlap and together are exactly [from, to).
   */
  static List<Piece> cover(Instant from, Instant to) {
    List<Piece> pieces = new ArrayList<>();
    Instant hoursFrom = ceil(from, HOUR);
    Instant hoursTo = floor(to, HOUR);
    if (hoursFrom != null && hoursTo != null && !hoursFrom.isBefore(hoursTo)) {
      pieces.add(new Piece(BUCKETS, from, to));
      return pieces;
    }
    if (from != null && from.isBefore(hoursFrom)) {
      pieces.add(new Piece(BUCKETS, from, hoursFrom));
    }
    Instant daysFrom = ceil(hoursFrom, DAY);
    Instant daysTo = floor(hoursTo, DAY);
    if (daysFrom != null && daysTo != null && !daysFrom.isBefore(daysTo)) {
      pieces.add(new Piece(HOURS, hoursFrom, hoursTo));
    } else {
      if (hoursFrom != null && hoursFrom.isBefore(daysFrom)) {
        pieces.add(new Piece(HOURS, hoursFrom, daysFrom));
      }
      pieces.add(new Piece(DAYS, daysFrom, daysTo));
      if (hoursTo != null && daysTo.isBefore(hoursTo)) {
        pieces.add(new Piece(HOURS, daysTo, hoursTo));
      }
    }
    if (to != null && hoursTo.isBefore(to)) {
      pieces.add(new Piece(BUCKETS, hoursTo, to));
    }
    return pieces;
  }

  private static Instant floor(Instant instant, long seconds) {
    return instant == null ? null : Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), seconds) * seconds);
  }

  private static Instant ceil(Instant instant, long seconds) {
    return instant == null ? null : Instant.ofEpochSecond(-Math.floorDiv(-instant.getEpochSecond(), seconds) * seconds);
  }
}
