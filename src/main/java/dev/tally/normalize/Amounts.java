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
    Numbers.Read read = read(value);
    if (read instanceof Numbers.Absurd) {
      errors.add(invalid(field, value, Numbers.ABSURD));
      return null;
    }
    if (!(read instanceof Numbers.Exact exact)) {
      errors.add(invalid(field, value, "expected a decimal number or a numeric string such as \"12.50\""));
      return null;
    }
    BigDecimal amount = exact.value();
    if (amount.signum() == 0) {
      return BigDecimal.ZERO;
    }
    if (scale > 0) {
      if (amount.scale() > 0 && amount.stripTrailingZeros().scale() > 0) {
        errors.add(invalid(field, value, "the client's mapping (amountScale " + scale + ") expects a whole number of minor units"));
        return null;
      }
      // Bounded (Numbers): the scale stays far inside an int and no power of ten beyond 10^1000 is built.
      amount = amount.movePointLeft(scale);
    }
    // Checked before stripping (precision - scale does not change when trailing zeros go), so stripping never
    // works on a number that is already out of range.
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

  /** Only exact JSON numbers and numeric strings; binary floats, booleans, objects, arrays and null are not amounts. */
  private static Numbers.Read read(JsonNode value) {
    if (value.isIntegralNumber() || value.isBigDecimal()) {
      return Numbers.of(value);
    }
    if (value.isTextual()) {
      String text = value.textValue().strip();
      return text.length() <= MAX_TEXT_LENGTH && DECIMAL.matcher(text).matches() ? Numbers.parse(text) : new Numbers.NotANumber();
    }
    return new Numbers.NotANumber();
  }

  private static FieldError invalid(String field, JsonNode value, String why) {
    return new FieldError(field, FieldError.INVALID_AMOUNT, field + " " + Quote.of(value) + " is not a valid amount: " + why);
  }
}
