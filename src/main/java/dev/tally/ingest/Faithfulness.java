package dev.tally.ingest;

import java.math.BigDecimal;

/**
 * Tracks whether PostgreSQL's jsonb would hold what was read exactly as sent: no NUL, no unpaired surrogate, no
 * number beyond numeric's digits, no duplicate key (jsonb keeps only the last). One instance follows one value,
 * or several values stored together, through {@link JsonReader#readValue}.
 */
public final class Faithfulness {

  /** PostgreSQL numeric (and so jsonb) holds at most this many digits before and after the point. */
  private static final int PG_MAX_INTEGER_DIGITS = 131_072;
  private static final int PG_MAX_FRACTION_DIGITS = 16_383;

  private boolean safe = true;

  /** Whether jsonb holds everything noted so far faithfully. */
  public boolean safe() {
    return safe;
  }

  /** Notes a string or a member name. */
  public void checkText(String text) {
    if (!safe) {
      return;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        safe = false; // jsonb rejects \u0000
        return;
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        safe = false; // an unpaired surrogate has no UTF-8 form
        return;
      }
    }
  }

  void checkNumber(BigDecimal value) {
    long integerDigits = (long) value.precision() - value.scale();
    if (value.scale() > PG_MAX_FRACTION_DIGITS || integerDigits > PG_MAX_INTEGER_DIGITS) {
      safe = false;
    }
  }

  /** Notes a duplicate key: jsonb would keep only one of its values. */
  void duplicateKey() {
    safe = false;
  }
}
