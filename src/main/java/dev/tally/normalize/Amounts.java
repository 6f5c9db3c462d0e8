package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/** Exact decimal amounts: read from a JSON number's literal or a plain numeric string, never via a binary float. */
final class Amounts {

  static final int MAX_INTEGER_DIGITS = 18;
  static final int MAX_FRACTION_DIGITS = 9;

  private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
  private static final int MAX_TEXT_LENGTH = 100;

  private Amounts() {}

  /**
   * The amount with trailing zeros stripped, or null after adding the reason to {@code errors}. With a {@code scale}
   * above 0 amounts are in minor units: whole numbers divided by 10^scale, exactly.
   */
  static BigDecimal parse(String field, JsonNode value, int scale, List<FieldError> errors) {
    BigDecimal amount = read(value);
    if (amount == null) {
      errors.add(invalid(field, value, "expected a decimal number or a numeric string such as \"12.50\""));
      return null;
    }
    if (scale > 0) {
      if (amount.scale() > 0 && amount.stripTrailingZeros().scale() > 0) {
        errors.add(invalid(field, value, "the client's mapping (amountScale " + scale + ") expects a whole number of minor units"));
        return null;
      }
      amount = amount.movePointLeft(scale);
    }
    if (amount.signum() == 0) {
      return BigDecimal.ZERO;
    }
    // Checked before stripping (precision - scale does not change when trailing zeros go): stripping
    // 100e2147483647 would push the scale past Integer.MIN_VALUE and throw instead of rejecting.
    long integerDigits = (long) amount.precision() - amount.scale();
    if (integerDigits > MAX_INTEGER_DIGITS) {
      errors.add(invalid(field, value, "has more than " + MAX_INTEGER_DIGITS + " integer digits"));
      return null;
    }
    BigDecimal stripped = amount.stripTrailingZeros();
    if (stripped.scale() > MAX_FRACTION_DIGITS) {
      errors.add(invalid(field, value, "has more than " + MAX_FRACTION_DIGITS + " fraction digits; amounts are never rounded"));
      return null;
    }
    return stripped;
  }

  private static BigDecimal read(JsonNode value) {
    if (value.isIntegralNumber() || value.isBigDecimal()) {
      return value.decimalValue();
    }
    if (value.isTextual()) {
      String text = value.textValue().strip();
      if (text.length() > MAX_TEXT_LENGTH || !DECIMAL.matcher(text).matches()) {
        return null;
      }
      try {
        return new BigDecimal(text);
      } catch (NumberFormatException exponentOutOfRange) {
        return null;
      }
    }
    // Binary floats (never produced by Tally's parser), booleans, objects, arrays and null.
    return null;
  }

  private static FieldError invalid(String field, JsonNode value, String why) {
    return new FieldError(field, FieldError.INVALID_AMOUNT, field + " " + Quote.of(value) + " is not a valid amount: " + why);
  }
}
