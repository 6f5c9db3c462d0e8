package dev.tally.security;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * A stored API key as GET /keys shows it: never the secret. {@code clientIds} null means every client (read)
 * or not applicable (admin); {@code allowedOrigins} (ingest keys) null means every web origin, empty none
 * ({@link Origins}); {@code requestsPerSecond} and {@code burst} null mean the configured defaults.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKey(String id, String role, List<String> clientIds, List<String> allowedOrigins, String description, Integer requestsPerSecond,
    Integer burst, Instant createdAt, Instant revokedAt) {

  public boolean revoked() {
    return revokedAt != null;
  }

  Caller caller() {
    return new Caller(id, Role.parse(role).orElseThrow(), clientIds);
  }
}
