package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders an offending value for an error message: as JSON, cut short so one bad field cannot bloat a response. */
public final class Quote {

  static final int MAX_CHARS = 64;

  private Quote() {}

  /** The value as JSON, cut short. */
  public static String of(JsonNode value) {
    return cut(value.toString());
  }

  /** The text in double quotes, cut short; {@code null} when there is none. */
  public static String quoted(String text) {
    return text == null ? "null" : "\"" + cut(text) + "\"";
  }

  /** The text cut to {@value #MAX_CHARS} characters, with "…" when it was longer. */
  public static String cut(String text) {
    return cut(text, MAX_CHARS);
  }

  /** The text cut to {@code maxChars} characters, with "…" when it was longer; never splits a surrogate pair. */
  public static String cut(String text, int maxChars) {
    if (text.length() <= maxChars) {
      return text;
    }
    int end = maxChars;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…";
  }
}
