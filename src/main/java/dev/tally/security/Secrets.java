package dev.tally.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Key material. Secrets are 256 random bits (base64url, prefixed so they are recognisable in a leak scan);
 * only their SHA-256 is stored. An instance owns its SecureRandom, created at runtime: a generator seeded
 * while building a native image would hand every deployment the same sequence.
 */
final class Secrets {

  static final String PREFIX = "tally_";
  private static final int SECRET_BYTES = 32;
  private static final int ID_BYTES = 6;

  private final SecureRandom random = new SecureRandom();

  String newSecret() {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** A short public id: 48 random bits, enough to never collide among a deployment's keys. */
  String newId() {
    byte[] bytes = new byte[ID_BYTES];
    random.nextBytes(bytes);
    return "key_" + HexFormat.of().formatHex(bytes);
  }

  static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
    }
  }
}
