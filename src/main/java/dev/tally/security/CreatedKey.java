package dev.tally.security;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/** POST /keys: the new key with its secret, the only time the secret is ever shown. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreatedKey(String id, String key, String role, List<String> clientIds, List<String> allowedOrigins, String description,
    Integer requestsPerSecond, Integer burst, Instant createdAt) {

  static CreatedKey of(ApiKey stored, String secret) {
    return new CreatedKey(stored.id(), secret, stored.role(), stored.clientIds(), stored.allowedOrigins(), stored.description(),
        stored.requestsPerSecond(), stored.burst(), stored.createdAt());
  }
}
