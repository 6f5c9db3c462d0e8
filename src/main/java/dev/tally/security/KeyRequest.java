package dev.tally.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.platform.JsonFields;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Set;

/**
 * POST /keys. {@code role}: ingest (exactly one clientId), read (clientIds, or allClients true) or admin (no
 * clients). The rate limit fields override tally.security.rate-limit.* for this key. {@code allowedOrigins}
 * (ingest keys only): the web origins a browser may send with it ({@link Origins}).
 */
@RegisterForReflection
public record KeyRequest(String role, List<String> clientIds, Boolean allClients, String description,
    Integer requestsPerSecond, Integer burst, List<String> allowedOrigins) {

  private static final Set<String> FIELDS = Set.of("role", "clientIds", "allClients", "description", "requestsPerSecond", "burst", "allowedOrigins");

  /** The request in a body, or a 400 naming every field that is unknown or of the wrong type. */
  public static KeyRequest from(JsonNode body) {
    JsonFields fields = JsonFields.of(body, "{\"role\":\"ingest\",\"clientIds\":[\"client_A\"]}", FIELDS);
    KeyRequest request = new KeyRequest(fields.string("role"), fields.strings("clientIds"), fields.bool("allClients"),
        fields.string("description"), fields.integer("requestsPerSecond"), fields.integer("burst"), fields.strings("allowedOrigins"));
    fields.orFail("the key request is invalid; nothing was created");
    return request;
  }
}
