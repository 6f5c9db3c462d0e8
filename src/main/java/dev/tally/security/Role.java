package dev.tally.security;

import java.util.Locale;
import java.util.Optional;

/**
 * What a key may do. Which routes each role reaches is declared on the resource methods themselves with
 * {@link Allowed} (a method without it is closed to every role); {@code AccessTest} lists them all in one table,
 * and docs/security.md summarizes it.
 */
public enum Role {
  /** Bound to one client: sends events (POST /events, the SDK routes) for it, and reads the mapping presets. */
  INGEST,
  /** Scoped to a list of clients, or all: reads their aggregates, events and raw events, and the mapping presets. */
  READ,
  /** Administers Tally (keys, mappings, replays, refreshes) and reads and sends for every client. */
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
