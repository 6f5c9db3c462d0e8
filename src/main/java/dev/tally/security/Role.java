package dev.tally.security;

import java.util.Locale;
import java.util.Optional;

/** What a key may do; see {@link Access} for the routes each role reaches. */
public enum Role {
  /** Bound to one client; may only POST /events and the SDK routes (and read the mapping presets). */
  INGEST,
  /** Scoped to a list of clients, or all; reads aggregates, events and raw events. */
  READ,
  /** Everything, including keys, mappings, replays and refreshes. */
  ADMIN;

  // Computed once: parse runs on every authenticated request.
  private final String value = name().toLowerCase(Locale.ROOT);

  public String value() {
    return value;
  }

  public static Optional<Role> parse(String value) {
    for (Role role : values()) {
      if (role.value().equals(value)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
