package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/**
 * Every number normalization reads from input, as an exact decimal whose magnitude is bounded before any
 * arithmetic touches it. A JSON literal such as {@code 1e20000000} is a few bytes, but scaling it (a mapping's
 * amountScale, epoch milliseconds to seconds) builds 10^20000000 and holds a thread for tens of seconds, and
 * {@code 1e-2147483646} overflows BigDecimal's int scale (ArithmeticException) at the first move of its point.
 * No field means anything near such magnitudes (amounts stop at 10^18 and 10^-9 even before an amountScale of
 * at most 18, epochs at about 10^15), so they are rejected at once with the field's own code. Within the bound
 * every later operation costs at most the literal's digits plus {@value #MAX_EXPONENT}.
 */
final class Numbers {

  /**
   * The largest decimal exponent (of the leading digit) a nonzero number may have, either way. Far beyond every
   * real value, and beyond every literal without an exponent that the parser lets through (1000 characters), so
   * only an exponent can make a number absurd.
   */
  static final int MAX_EXPONENT = 1_000;

  /** Why an absurd number is refused; the caller puts it after "is not a valid amount: " and the like. */
  static final String ABSURD = "its exponent is out of range (a nonzero number must lie between 1e-" + MAX_EXPONENT
      + " and 1e" + MAX_EXPONENT + " in size)";

  /** A number read from input: its exact value, or why there is none. */
  sealed interface Read {}

  /** The value, bounded; every zero is {@link BigDecimal#ZERO}, whatever its exponent or sign. */
  record Exact(BigDecimal value) implements Read {}

  /** A number whose magnitude is beyond {@link #MAX_EXPONENT}: no arithmetic may touch it. */
  record Absurd() implements Read {}

  /** Not a finite number at all. */
  record NotANumber() implements Read {}

  private Numbers() {}

  /**
   * A JSON number node's exact value. The parser gives exact integers and decimals; a binary float can only
   * come from a tree built elsewhere, and then only a finite one is a number.
   */
  static Read of(JsonNode value) {
    if (value.isIntegralNumber() || value.isBigDecimal()) {
      return bounded(value.decimalValue());
    }
    if (value.isFloatingPointNumber() && Double.isFinite(value.doubleValue())) {
      return bounded(value.decimalValue());
    }
    return new NotANumber();
  }

  /** A numeric text the caller has already matched against its own grammar ({@code 12.5e3}, digits). */
  static Read parse(String text) {
    BigDecimal number;
    try {
      number = new BigDecimal(text);
    } catch (NumberFormatException exponentBeyondAnInt) {
      return new Absurd();
    }
    return bounded(number);
  }

  /**
   * The number unless its magnitude is absurd. Computed from precision and scale only (no arithmetic on the
   * value): the exponent of the leading digit of unscaled * 10^-scale is precision - scale - 1.
   */
  private static Read bounded(BigDecimal number) {
    if (number.signum() == 0) {
      return new Exact(BigDecimal.ZERO);
    }
    long exponent = (long) number.precision() - number.scale() - 1;
    return Math.abs(exponent) > MAX_EXPONENT ? new Absurd() : new Exact(number);
  }
}
