package dev.tally.normalize;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a client's metric names are read. {@link #EXACT} (the default rules): as sent, trimmed. {@link #SNAKE_CASE},
 * chosen explicitly in a mapping for SDKs whose event names are prose ("Order Completed"): lower-cased, and each
 * run of characters a metric cannot hold becomes one underscore, leading and trailing underscores dropped
 * ("Order Completed" is "order_completed"), the way Segment names its warehouse tables. Names that differ only in case or punctuation then count as one metric; that is the choice
 * the mapping makes, so it is never applied by default.
 */
public enum MetricFormat {
  EXACT,
  SNAKE_CASE;

  private static final Pattern OUTSIDE_ALPHABET = Pattern.compile("[^a-z0-9._:/-]+");

  /** The metric name this format reads from {@code text} (already trimmed). */
  public String apply(String text) {
    if (this == EXACT) {
      return text;
    }
    String snake = OUTSIDE_ALPHABET.matcher(text.toLowerCase(Locale.ROOT)).replaceAll("_");
    int start = 0;
    int end = snake.length();
    while (start < end && snake.charAt(start) == '_') {
      start++;
    }
    while (end > start && snake.charAt(end - 1) == '_') {
      end--;
    }
    return snake.substring(start, end);
  }
}
