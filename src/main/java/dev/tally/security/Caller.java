package dev.tally.security;

import java.util.List;

/**
 * Who sent the request: the key's public id, role and clients. {@code clientIds} is null for admin keys and
 * for read keys that may read every client.
 */
public record Caller(String keyId, Role role, List<String> clientIds) {

  /** Every request when tally.security.enabled is false: no key, no limits. */
  public static final Caller UNRESTRICTED = new Caller(null, Role.ADMIN, null);

  public Caller {
    clientIds = clientIds == null ? null : List.copyOf(clientIds);
  }

  /** The client an ingest key writes for; null for callers that may write for any client. */
  public String boundClientId() {
    return role == Role.INGEST ? clientIds.get(0) : null;
  }

  /** The clients this caller may read; null when it may read all. */
  public List<String> readScope() {
    return switch (role) {
      case ADMIN -> null;
      case READ -> clientIds;
      case INGEST -> List.of();
    };
  }

  public boolean mayRead(String clientId) {
    List<String> scope = readScope();
    return scope == null || scope.contains(clientId);
  }
}
