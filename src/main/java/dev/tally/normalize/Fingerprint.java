package dev.tally.normalize;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * The deterministic identity of a canonical event, version 1: lowercase hex SHA-256 over fields joined by
 * U+001F. With an eventId: {@code v1, clientId, "id", eventId}; without: {@code v1, clientId, metric,
 * amount (plain, trailing zeros stripped), timestamp (UTC, exactly six fraction digits)}. Clients can
 * compute it themselves; the README lists test vectors.
 */
public final class Fingerprint {

  static final String VERSION = "v1";
  static final char SEPARATOR = '\u001F';

  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Fingerprint() {}

  public static String of(CanonicalEvent event) {
    return sha256Hex(canonicalString(event));
  }

  /** The exact string that is hashed; exposed so tests and docs can show it. */
  public static String canonicalString(CanonicalEvent event) {
    if (event.eventId() != null) {
      return String.join(String.valueOf(SEPARATOR), VERSION, event.clientId(), "id", event.eventId());
    }
    return String.join(String.valueOf(SEPARATOR), VERSION, event.clientId(), event.metric(),
        event.amount().stripTrailingZeros().toPlainString(), formatTimestamp(event.timestamp()));
  }

  public static String formatTimestamp(Instant timestamp) {
    return MICROS.format(timestamp);
  }

  private static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
    }
  }
}
