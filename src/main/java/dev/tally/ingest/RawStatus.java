package dev.tally.ingest;

import java.util.Locale;

/** The status of a raw row (raw_events.status): pending until settled, then final. */
public enum RawStatus {
  PENDING,
  ACCEPTED,
  DUPLICATE,
  CONFLICT,
  REJECTED,
  UNPARSEABLE;

  /** How the database and the API spell it. */
  public String sql() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RawStatus of(String sql) {
    return valueOf(sql.toUpperCase(Locale.ROOT));
  }

  /** Whether a raw row with this status stands for a counted event. */
  public boolean counted() {
    return this == ACCEPTED || this == DUPLICATE;
  }
}
