package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders an offending value for an error message: as JSON, cut short so one bad field cannot bloat a response. */
final class Quote {

  static final int MAX_CHARS = 64;

  private Quote() {}

  static String of(JsonNode value) {
    return cut(value.toString());
  }

  static String cut(String text) {
    if (text.length() <= MAX_CHARS) {
      return text;
    }
    int end = MAX_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…";
  }
}
