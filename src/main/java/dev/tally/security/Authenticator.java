package dev.tally.security;

import dev.tally.platform.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * Turns a presented secret into a caller, or into the refusal to answer: unknown or revoked key (401), a route
 * the key's role may not use (403), over its rate limit (429). {@link AuthFilter} calls it with the key from the
 * request's headers; the SDK endpoints also with a key found in the body (PostHog's api_key, Segment's writeKey).
 */
@ApplicationScoped
public class Authenticator {

  /** The WWW-Authenticate values of a 401: Basic for a client that sent Basic credentials (an SDK's write key). */
  public static final String BEARER_CHALLENGE = "Bearer realm=\"tally\"";
  public static final String BASIC_CHALLENGE = "Basic realm=\"tally\"";

  @Inject ApiKeyService keys;
  @Inject RateLimiter limiter;
  @Inject CurrentCaller current;

  /** The outcome: exactly one of {@code caller} and {@code refusal} is set. */
  public record Outcome(Caller caller, Response refusal) {

    static Outcome refused(Response refusal) {
      return new Outcome(null, refusal);
    }
  }

  /**
   * Authenticates {@code secret} for {@code method} and {@code path} and, when it passes, makes it the current
   * request's caller. {@code challenge} is the WWW-Authenticate value a 401 carries.
   */
  public Uni<Outcome> authenticate(String secret, String method, String path, List<String> clientIds, String challenge) {
    return keys.find(secret).map(found -> {
      if (found.isEmpty() || found.get().revoked()) {
        return Outcome.refused(unauthorized("the API key is unknown or revoked; nothing was stored", challenge));
      }
      ApiKey key = found.get();
      Caller caller = key.caller();
      String denied = Access.deny(caller, method, path, clientIds);
      if (denied != null) {
        return Outcome.refused(Problem.of(Response.Status.FORBIDDEN, denied + " (key " + key.id() + "); nothing was stored").toResponse());
      }
      long retryAfter = limiter.acquire(key);
      if (retryAfter > 0) {
        return Outcome.refused(Response.fromResponse(Problem.of(Response.Status.TOO_MANY_REQUESTS,
                    "key " + key.id() + " is over its rate limit on this replica; retry after " + retryAfter + " s; nothing was stored")
                .toResponse())
            .header("Retry-After", retryAfter)
            .build());
      }
      current.set(caller);
      return new Outcome(caller, null);
    });
  }

  public static Response unauthorized(String detail, String challenge) {
    return Response.fromResponse(Problem.of(Response.Status.UNAUTHORIZED, detail).toResponse())
        .header(HttpHeaders.WWW_AUTHENTICATE, challenge)
        .build();
  }
}
