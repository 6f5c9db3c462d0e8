package dev.tally.aggregate;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * A bucket's average, {@code sum / count} rounded half-even to 34 significant digits ({@link MathContext#DECIMAL128}:
 * exact whenever the quotient has at most 34 digits, e.g. 0.15), {@link Decimals#plain}.
 *
 * <p>BigDecimal's own division at that precision scales the dividend by 10^34 and divides big integers: on a week of
 * hours (528 rows) it allocated half of a GET's 4.4 MB, which is what made young collections frequent enough to reach
 * the GET's p99. Sums of at most 18 digits (whatever their scale) and counts below 10^17 are divided here by schoolbook
 * long division instead, digit by digit in longs; anything larger takes BigDecimal's path. Both give the same value
 * ({@code AverageTest} compares them).
 */
final class Average {

  private static final int DIGITS = MathContext.DECIMAL128.getPrecision();
  /** Remainders stay below the count, so {@code remainder * 10} cannot overflow below this. */
  private static final long MAX_COUNT = 100_000_000_000_000_000L;

  private Average() {}

  static BigDecimal of(BigDecimal sum, long count) {
    // At most 18 digits: the unscaled value is a long (and read without building a BigInteger).
    if (count <= 0 || count >= MAX_COUNT || sum.precision() > 18) {
      return Decimals.plain(sum.divide(BigDecimal.valueOf(count), MathContext.DECIMAL128));
    }
    long unscaled = sum.movePointRight(sum.scale()).longValue();
    long magnitude = Math.abs(unscaled);
    long remainder = magnitude % count;
    String whole = Long.toString(magnitude / count);
    char[] digits = new char[DIGITS + 1];
    int length = 0;
    if (!whole.equals("0")) {
      whole.getChars(0, whole.length(), digits, 0);
      length = whole.length();
    }
    int fractionDigits = 0;
    while (length < DIGITS && remainder != 0) {
      remainder *= 10;
      long digit = remainder / count;
      remainder %= count;
      fractionDigits++;
      if (length > 0 || digit != 0) {
        digits[length++] = (char) ('0' + digit);
      }
    }
    if (remainder != 0 && roundsUp(remainder, count, digits[length - 1])) {
      length = increment(digits, length);
    }
    if (length == 0) {
      return BigDecimal.ZERO;
    }
    int scale = sum.scale() + fractionDigits;
    String text = new String(digits, 0, length);
    BigDecimal average = length <= 18
        ? BigDecimal.valueOf(unscaled < 0 ? -Long.parseLong(text) : Long.parseLong(text), scale)
        : new BigDecimal(unscaled < 0 ? new BigInteger(text).negate() : new BigInteger(text), scale);
    return Decimals.plain(average);
  }

  /** Half-even on what is left: the next digit and whether anything follows it. */
  private static boolean roundsUp(long remainder, long count, char last) {
    long next = remainder * 10 / count;
    boolean more = remainder * 10 % count != 0;
    return next > 5 || (next == 5 && (more || (last - '0') % 2 == 1));
  }

  /** Adds one unit in the last place, carrying; 99..9 becomes 100..0 (one digit longer, with the same scale). */
  private static int increment(char[] digits, int length) {
    for (int i = length - 1; i >= 0; i--) {
      if (digits[i] != '9') {
        digits[i]++;
        return length;
      }
      digits[i] = '0';
    }
    System.arraycopy(digits, 0, digits, 1, length);
    digits[0] = '1';
    return length + 1;
  }
}
