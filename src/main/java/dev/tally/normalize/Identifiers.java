package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/** The textual identity fields: clientId, metric and eventId. */
final class Identifiers {

  static final int MAX_CLIENT_ID_LENGTH = 128;
  static final int MAX_METRIC_LENGTH = 128;
  static final int MAX_EVENT_ID_LENGTH = 256;

  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_CLIENT_ID_LENGTH + "}");
  private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9._:/-]{1," + MAX_METRIC_LENGTH + "}");

  private Identifiers() {}

  static String clientId(String field, JsonNode value, List<FieldError> errors) {
    String text = clientIdOrNull(value);
    if (text != null) {
      return text;
    }
    errors.add(new FieldError(field, FieldError.INVALID_CLIENT_ID,
        field + " " + Quote.of(value) + " must be 1-" + MAX_CLIENT_ID_LENGTH
            + " characters of A-Z a-z 0-9 . _ : - (or an integer)"));
    return null;
  }

  /** The clientId when it can be read unambiguously and is valid; used to file raw rows before normalization. */
  static String clientIdOrNull(JsonNode value) {
    String text = integerOrText(value);
    return text != null && CLIENT_ID.matcher(text).matches() ? text : null;
  }

  static String metric(String field, JsonNode value, MetricFormat format, List<FieldError> errors) {
    String text = value.isTextual() ? format.apply(value.textValue().strip()) : null;
    if (text != null && METRIC.matcher(text).matches()) {
      return text;
    }
    errors.add(new FieldError(field, FieldError.INVALID_METRIC, field + " " + Quote.of(value) + (format == MetricFormat.EXACT
        ? " must be a string of 1-" + MAX_METRIC_LENGTH + " characters of A-Z a-z 0-9 . _ : / - (surrounding whitespace is trimmed)"
        : " must be a string that is 1-" + MAX_METRIC_LENGTH + " characters of a-z 0-9 . _ : / - once snake_cased")));
    return null;
  }

  static String eventId(String field, JsonNode value, List<FieldError> errors) {
    String text = integerOrText(value);
    if (text != null) {
      int length = text.codePointCount(0, text.length());
      if (length >= 1 && length <= MAX_EVENT_ID_LENGTH && printable(text)) {
        return text;
      }
    }
    errors.add(new FieldError(field, FieldError.INVALID_EVENT_ID,
        field + " " + Quote.of(value) + " must be a string of 1-" + MAX_EVENT_ID_LENGTH
            + " characters without control characters (or an integer)"));
    return null;
  }

  private static String integerOrText(JsonNode value) {
    if (value.isTextual()) {
      return value.textValue();
    }
    if (value.isIntegralNumber()) {
      String digits = value.bigIntegerValue().toString();
      return digits.length() <= MAX_EVENT_ID_LENGTH ? digits : null;
    }
    return null;
  }

  /** No control characters (NUL cannot even be stored) and no unpaired surrogates (not valid Unicode). */
  private static boolean printable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
