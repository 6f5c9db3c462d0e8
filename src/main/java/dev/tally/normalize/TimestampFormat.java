package dev.tally.normalize;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** How a client's timestamps are written: the default rules, or one pinned format. */
public sealed interface TimestampFormat {

  /** ISO-8601 with offset, or epoch seconds / milliseconds told apart by range (the default rules). */
  record Auto() implements TimestampFormat {}

  /** ISO-8601 strings only; a number is rejected. */
  record Iso8601() implements TimestampFormat {}

  /** Epoch seconds, whatever the magnitude, as a number or digit string. */
  record EpochSeconds() implements TimestampFormat {}

  /** Epoch milliseconds, whatever the magnitude, as a number or digit string. */
  record EpochMillis() implements TimestampFormat {}

  /** A java.time pattern such as {@code yyyy-MM-dd HH:mm:ss}; without an offset in it, the mapping's zone applies. */
  record Pattern(String pattern, DateTimeFormatter formatter) implements TimestampFormat {

    /** @throws IllegalArgumentException when the pattern is not valid or does not yield a date and a time */
    public static Pattern of(String pattern) {
      DateTimeFormatter formatter = new DateTimeFormatterBuilder()
          .appendPattern(pattern)
          // "yyyy" is year-of-era; strict resolving needs an era, and every timestamp is in the current one.
          .parseDefaulting(ChronoField.ERA, 1)
          .toFormatter(Locale.ROOT)
          .withResolverStyle(ResolverStyle.STRICT);
      ZonedDateTime sample = LocalDateTime.of(2024, 3, 5, 6, 7, 8).atZone(ZoneId.of("Europe/Berlin"));
      String formatted;
      try {
        formatted = formatter.format(sample);
        formatter.parseBest(formatted, ZonedDateTime::from, LocalDateTime::from);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("pattern '" + pattern + "' must contain a full date and time of day", e);
      }
      return new Pattern(pattern, formatter);
    }
  }

  TimestampFormat AUTO = new Auto();
  TimestampFormat ISO8601 = new Iso8601();
  TimestampFormat EPOCH_SECONDS = new EpochSeconds();
  TimestampFormat EPOCH_MILLIS = new EpochMillis();
}
