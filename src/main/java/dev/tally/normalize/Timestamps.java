package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
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

  static Instant parse(String field, JsonNode value, Instant now, Duration maxFutureSkew, List<FieldError> errors) {
    Instant instant;
    if (value.isNumber()) {
      instant = fromEpoch(field, value, value.decimalValue(), errors);
    } else if (value.isTextual()) {
      String text = separateWithT(value.textValue().strip());
      if (DIGITS.matcher(text).matches()) {
        instant = fromEpoch(field, value, new BigDecimal(text), errors);
      } else {
        instant = fromText(field, value, text, errors);
      }
    } else {
      errors.add(invalid(field, value, "expected an ISO-8601 date-time with offset or an epoch number"));
      return null;
    }
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

  private static Instant fromText(String field, JsonNode value, String text, List<FieldError> errors) {
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
    if (parses(text, DATE_TIME) || parses(text, DateTimeFormatter.ISO_LOCAL_DATE)) {
      errors.add(new FieldError(field, FieldError.AMBIGUOUS_TIMESTAMP,
          field + " " + Quote.of(value) + " has no UTC offset or zone, so the instant is ambiguous; add Z or an offset such as +01:00"));
      return null;
    }
    errors.add(invalid(field, value, "expected an ISO-8601 date-time with offset such as 2024-01-01T00:00:00Z"));
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

  private static Instant fromEpoch(String field, JsonNode value, BigDecimal number, List<FieldError> errors) {
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
