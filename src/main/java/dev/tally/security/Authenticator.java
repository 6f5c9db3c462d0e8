package dev.tally.security;

import dev.tally.normalize.Quote;
import dev.tally.platform.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * Turns a presented secret into a caller, or into the refusal to answer: unknown or revoked key (401), a browser
 * request from an origin the key does not allow (403, {@link Origins}), a route the key's role may not use (403, by
 * the route's {@link Access}), over its rate limit (429). {@link AuthFilter} calls
 * it with the key from the request's headers; the endpoints of {@link KeyMayBeInBody} routes with a key found in the
 * body (PostHog's api_key, Segment's writeKey).
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
   * Authenticates a key found in the body of a {@link KeyMayBeInBody} request against the rule of the route it
   * matched and, when it passes, makes it the current request's caller. {@code challenge} is the WWW-Authenticate
   * value a 401 carries.
   */
  public Uni<Outcome> authenticateFromBody(String secret, String challenge) {
    Access access = current.access();
    if (access == null || !access.keyMayBeInBody()) {
      // Only AuthFilter lets a request without a key through, and only to a route that declares this.
      throw new IllegalStateException("a key from the body is only read on a route marked @KeyMayBeInBody");
    }
    return authenticate(secret, access, List.of(), challenge);
  }

  /**
   * Authenticates {@code secret} for a route with rule {@code access} and, when it passes, makes it the current
   * request's caller. {@code clientIds}: every clientId query parameter.
   */
  Uni<Outcome> authenticate(String secret, Access access, List<String> clientIds, String challenge) {
    return keys.find(secret).map(found -> {
      if (found.isEmpty() || found.get().revoked()) {
        return Outcome.refused(unauthorized("the API key is unknown or revoked; nothing was stored", challenge));
      }
      ApiKey key = found.get();
      String origin = current.origin();
      if (!Origins.allows(key.allowedOrigins(), origin)) {
        return Outcome.refused(Problem.of(Response.Status.FORBIDDEN, "this page's origin " + Quote.quoted(origin)
            + " is not among the allowedOrigins of key " + key.id() + "; nothing was stored").toResponse());
      }
      Caller caller = key.caller();
      String denied = access.deny(caller, clientIds);
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
