package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.TemporalAccessor;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Event timestamps: ISO-8601 date-times with an offset, or epoch seconds / milliseconds told apart by range.
 * Anything that needs a guess (no offset, a date alone, an epoch outside both ranges) is rejected.
 */
final class Timestamps {

  /** Epoch seconds are accepted in [2000-01-01, 2100-01-01); the same range in milliseconds is epoch millis. */
  static final BigDecimal MIN_EPOCH_SECONDS = BigDecimal.valueOf(946_684_800L);
  static final BigDecimal MAX_EPOCH_SECONDS = BigDecimal.valueOf(4_102_444_800L);
  static final BigDecimal MIN_EPOCH_MILLIS = BigDecimal.valueOf(946_684_800_000L);
  static final BigDecimal MAX_EPOCH_MILLIS = BigDecimal.valueOf(4_102_444_800_000L);

  /** The earliest instant PostgreSQL and the canonical format both hold without surprises. */
  static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  /** Year 10000: beyond it neither the canonical format nor PostgreSQL is any use. */
  private static final BigDecimal MAX_PINNED_EPOCH_SECONDS = BigDecimal.valueOf(253_402_300_800L);

  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,20}");
  private static final int MAX_TEXT_LENGTH = 64;

  private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
      .toFormatter()
      .withResolverStyle(ResolverStyle.STRICT)
      .withChronology(IsoChronology.INSTANCE);

  /**
   * RFC 3339 offsets: Z, +01:00, and the common +0100 and +01 spellings. One formatter per spelling, tried in
   * turn: optional sections in a single formatter would also accept several offsets in a row ("...ZZ").
   */
  private static final List<DateTimeFormatter> WITH_OFFSET = List.of(withOffset("+HH:MM"), withOffset("+HHMM"), withOffset("+HH"));

  private Timestamps() {}

  private static DateTimeFormatter withOffset(String offsetPattern) {
    return new DateTimeFormatterBuilder()
        .append(DATE_TIME)
        .appendOffset(offsetPattern, "Z")
        .toFormatter()
        .withResolverStyle(ResolverStyle.STRICT)
        .withChronology(IsoChronology.INSTANCE);
  }

  /** Reads a timestamp under a mapping's format and zone; adds the reason to {@code errors} and returns null if it cannot. */
  static Instant parse(String field, JsonNode value, Mapping mapping, Instant now, Duration maxFutureSkew, List<FieldError> errors) {
    Instant instant = read(field, value, mapping.timestampFormat(), mapping.timezone(), errors);
    if (instant == null) {
      return null;
    }
    if (instant.getNano() % 1_000 != 0) {
      errors.add(invalid(field, value, "has non-zero digits below microseconds; timestamps are never rounded"));
      return null;
    }
    if (instant.isBefore(EARLIEST)) {
      errors.add(invalid(field, value, "is before year 1"));
      return null;
    }
    if (instant.isAfter(now.plus(maxFutureSkew))) {
      errors.add(new FieldError(field, FieldError.TIMESTAMP_IN_FUTURE,
          field + " " + Quote.of(value) + " is more than " + maxFutureSkew + " ahead of the server clock (" + now + ")"));
      return null;
    }
    return instant;
  }

  private static Instant read(String field, JsonNode value, TimestampFormat format, ZoneId zone, List<FieldError> errors) {
    if (format instanceof TimestampFormat.Pattern pattern) {
      return fromPattern(field, value, pattern, zone, errors);
    }
    if (format instanceof TimestampFormat.EpochSeconds) {
      return pinnedEpoch(field, value, 0, errors);
    }
    if (format instanceof TimestampFormat.EpochMillis) {
      return pinnedEpoch(field, value, 3, errors);
    }
    if (format instanceof TimestampFormat.Iso8601) {
      return value.isTextual()
          ? fromText(field, value, separateWithT(value.textValue().strip()), zone, errors)
          : reject(field, value, "the client's mapping expects an ISO-8601 string", errors);
    }
    return auto(field, value, zone, errors);
  }

  private static Instant auto(String field, JsonNode value, ZoneId zone, List<FieldError> errors) {
    if (value.isNumber()) {
      return fromEpoch(field, value, Numbers.of(value), errors);
    }
    if (value.isTextual()) {
      String text = separateWithT(value.textValue().strip());
      return DIGITS.matcher(text).matches()
          ? fromEpoch(field, value, Numbers.parse(text), errors)
          : fromText(field, value, text, zone, errors);
    }
    return reject(field, value, "expected an ISO-8601 date-time with offset or an epoch number", errors);
  }

  private static Instant fromText(String field, JsonNode value, String text, ZoneId zone, List<FieldError> errors) {
    if (text.length() > MAX_TEXT_LENGTH) {
      errors.add(invalid(field, value, "is too long to be a date-time"));
      return null;
    }
    for (DateTimeFormatter formatter : WITH_OFFSET) {
      try {
        return OffsetDateTime.parse(text, formatter).toInstant();
      } catch (DateTimeParseException otherSpelling) {
        // Try the next offset spelling; then tell "no offset" and "date only" apart from plain garbage.
      }
    }
    LocalDateTime local = localDateTime(text);
    if (local != null && zone != null) {
      return inZone(field, value, local, zone, errors);
    }
    if (local != null || parses(text, DateTimeFormatter.ISO_LOCAL_DATE)) {
      errors.add(noOffset(field, value));
      return null;
    }
    errors.add(invalid(field, value, "expected an ISO-8601 date-time with offset such as 2024-01-01T00:00:00Z"));
    return null;
  }

  private static Instant fromPattern(
      String field, JsonNode value, TimestampFormat.Pattern pattern, ZoneId zone, List<FieldError> errors) {
    if (!value.isTextual() || value.textValue().length() > MAX_TEXT_LENGTH) {
      return reject(field, value, "the client's mapping expects a string in the pattern '" + pattern.pattern() + "'", errors);
    }
    TemporalAccessor parsed;
    try {
      parsed = pattern.formatter().parseBest(value.textValue().strip(), ZonedDateTime::from, LocalDateTime::from);
    } catch (DateTimeException e) {
      return reject(field, value, "does not match the client's pattern '" + pattern.pattern() + "'", errors);
    }
    if (parsed instanceof ZonedDateTime zoned) {
      return zoned.toInstant();
    }
    if (zone == null) {
      errors.add(noOffset(field, value));
      return null;
    }
    return inZone(field, value, (LocalDateTime) parsed, zone, errors);
  }

  /** A local date-time in a zone, unless daylight saving time makes it nonexistent or twice-occurring. */
  private static Instant inZone(String field, JsonNode value, LocalDateTime local, ZoneId zone, List<FieldError> errors) {
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
    if (offsets.size() == 1) {
      return local.toInstant(offsets.get(0));
    }
    if (offsets.isEmpty()) {
      return reject(field, value, "does not exist in " + zone + " (skipped by a daylight saving time change)", errors);
    }
    errors.add(new FieldError(field, FieldError.AMBIGUOUS_TIMESTAMP, field + " " + Quote.of(value) + " occurs twice in "
        + zone + " (repeated by a daylight saving time change); send it with an offset"));
    return null;
  }

  /** Epoch numbers in a pinned unit: no range guessing, only what an Instant and the canonical format can hold. */
  private static Instant pinnedEpoch(String field, JsonNode value, int millisDigits, List<FieldError> errors) {
    Numbers.Read read;
    if (value.isNumber()) {
      read = Numbers.of(value);
    } else if (value.isTextual() && DIGITS.matcher(value.textValue().strip()).matches()) {
      read = Numbers.parse(value.textValue().strip());
    } else {
      return reject(field, value, "the client's mapping expects an epoch number", errors);
    }
    BigDecimal number = number(field, value, read, errors);
    if (number == null) {
      return null;
    }
    // Bounded (Numbers): moving the point neither overflows the scale nor builds a power of ten beyond 10^1000.
    BigDecimal seconds = number.movePointLeft(millisDigits);
    if (seconds.abs().compareTo(MAX_PINNED_EPOCH_SECONDS) >= 0) {
      return reject(field, value, "is out of range for an epoch value", errors);
    }
    return epochInstant(field, value, seconds, errors);
  }

  /** The exact value of a number read from input, or null after adding why there is none. */
  private static BigDecimal number(String field, JsonNode value, Numbers.Read read, List<FieldError> errors) {
    if (read instanceof Numbers.Exact exact) {
      return exact.value();
    }
    errors.add(invalid(field, value, read instanceof Numbers.Absurd ? Numbers.ABSURD : "expected a finite epoch number"));
    return null;
  }

  private static LocalDateTime localDateTime(String text) {
    try {
      return LocalDateTime.parse(text, DATE_TIME);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static FieldError noOffset(String field, JsonNode value) {
    return new FieldError(field, FieldError.AMBIGUOUS_TIMESTAMP,
        field + " " + Quote.of(value) + " has no UTC offset or zone, so the instant is ambiguous; add Z or an offset such as +01:00");
  }

  private static Instant reject(String field, JsonNode value, String why, List<FieldError> errors) {
    errors.add(invalid(field, value, why));
    return null;
  }

  /** RFC 3339 allows a space between date and time; ISO-8601 wants a T. */
  private static String separateWithT(String text) {
    return text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
  }

  private static boolean parses(String text, DateTimeFormatter formatter) {
    try {
      formatter.parse(text);
      return true;
    } catch (DateTimeException e) {
      return false;
    }
  }

  private static Instant fromEpoch(String field, JsonNode value, Numbers.Read read, List<FieldError> errors) {
    BigDecimal number = number(field, value, read, errors);
    if (number == null) {
      return null;
    }
    BigDecimal seconds;
    if (number.compareTo(MIN_EPOCH_SECONDS) >= 0 && number.compareTo(MAX_EPOCH_SECONDS) < 0) {
      seconds = number;
    } else if (number.compareTo(MIN_EPOCH_MILLIS) >= 0 && number.compareTo(MAX_EPOCH_MILLIS) < 0) {
      seconds = number.movePointLeft(3);
    } else {
      errors.add(invalid(field, value,
          "as an epoch number must be seconds in [946684800, 4102444800) or milliseconds in [946684800000, 4102444800000)"));
      return null;
    }
    return epochInstant(field, value, seconds, errors);
  }

  private static Instant epochInstant(String field, JsonNode value, BigDecimal seconds, List<FieldError> errors) {
    BigDecimal micros = seconds.movePointRight(6);
    if (micros.stripTrailingZeros().scale() > 0) {
      errors.add(invalid(field, value, "has non-zero digits below microseconds; timestamps are never rounded"));
      return null;
    }
    long totalMicros = micros.longValueExact();
    return Instant.ofEpochSecond(Math.floorDiv(totalMicros, 1_000_000L), Math.floorMod(totalMicros, 1_000_000L) * 1_000L);
  }

  private static FieldError invalid(String field, JsonNode value, String why) {
    return new FieldError(field, FieldError.INVALID_TIMESTAMP, field + " " + Quote.of(value) + " is not a valid timestamp: " + why);
  }
}
