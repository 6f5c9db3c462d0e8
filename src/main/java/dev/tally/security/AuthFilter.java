package dev.tally.security;

import dev.tally.platform.Problem;
import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates, authorizes and rate-limits every request before anything else happens to it: before the
 * body limit check and before a byte of the body is read, so a refused request stores nothing. The
 * management port (health, metrics, OpenAPI) is a separate server this filter never sees.
 */
public class AuthFilter {

  static final String API_KEY_HEADER = "X-Api-Key";
  private static final String BEARER = "bearer ";

  // Filters are created at static init, before runtime configuration exists: look beans up lazily.
  @Inject Instance<TallyConfig> config;
  @Inject Instance<ApiKeyService> keys;
  @Inject Instance<RateLimiter> limiter;
  @Inject Instance<CurrentCaller> current;

  @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
  public Uni<Response> authenticate(ContainerRequestContext request) {
    if (!config.get().security().enabled()) {
      current.get().set(Caller.UNRESTRICTED);
      return Uni.createFrom().nullItem();
    }
    String secret = presented(request);
    if (secret == null) {
      return Uni.createFrom().item(unauthorized(
          "an API key is required: send Authorization: Bearer <key> or X-Api-Key: <key>; nothing was stored"));
    }
    CurrentCaller holder = current.get();
    return keys.get().find(secret).map(found -> {
      if (found.isEmpty() || found.get().revoked()) {
        return unauthorized("the API key is unknown or revoked; nothing was stored");
      }
      ApiKey key = found.get();
      Caller caller = key.caller();
      List<String> clientIds = request.getUriInfo().getQueryParameters().getOrDefault("clientId", List.of());
      String denied = Access.deny(caller, request.getMethod(), request.getUriInfo().getPath(), clientIds);
      if (denied != null) {
        return Problem.of(Response.Status.FORBIDDEN, denied + " (key " + key.id() + "); nothing was stored").toResponse();
      }
      long retryAfter = limiter.get().acquire(key);
      if (retryAfter > 0) {
        return Response.fromResponse(Problem.of(Response.Status.TOO_MANY_REQUESTS,
                    "key " + key.id() + " is over its rate limit on this replica; retry after " + retryAfter + " s; nothing was stored")
                .toResponse())
            .header("Retry-After", retryAfter)
            .build();
      }
      holder.set(caller);
      return null;
    });
  }

  /** The key from Authorization: Bearer, else X-Api-Key; null when neither carries one. */
  static String presented(ContainerRequestContext request) {
    String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String key = authorization.substring(BEARER.length()).strip();
      if (!key.isEmpty()) {
        return key;
      }
    }
    String header = request.getHeaderString(API_KEY_HEADER);
    return header == null || header.isBlank() ? null : header.strip();
  }

  private static Response unauthorized(String detail) {
    return Response.fromResponse(Problem.of(Response.Status.UNAUTHORIZED, detail).toResponse())
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"tally\"")
        .build();
  }
}
