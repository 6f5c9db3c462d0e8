package dev.tally.security;

import dev.tally.platform.Problem;
import dev.tally.platform.Resolved;
import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates, authorizes and rate-limits every request once it has matched a resource method, by the rule that
 * method declares ({@link Allowed}, {@link KeyMayBeInBody}; a method without one is refused to everyone), before any
 * other filter and before a byte of the body is read ({@code platform.BodyLimitFilter} runs after it), so a refused
 * request stores nothing. A path that matches no resource method never gets here: it is a 404 (405 for another
 * method), with or without a key. The management port (health, metrics, OpenAPI) is a separate server this filter
 * never sees.
 *
 * <p>A key is taken from {@code Authorization: Bearer}, {@code X-Api-Key} or {@code Authorization: Basic} (the
 * key as user name, which is how the Segment and RudderStack SDKs send their write key). Only routes marked
 * {@link KeyMayBeInBody} may come without one in the headers: PostHog's SDK (and Segment's browser library) put the
 * key in the body, so those requests are authenticated by their endpoint once it has read the body, before anything
 * is stored.
 */
public class AuthFilter {

  static final String API_KEY_HEADER = "X-Api-Key";
  private static final String BEARER = "bearer ";
  private static final String BASIC = "basic ";

  // Filters are created at static init, before runtime configuration exists: look beans up lazily.
  @Inject Instance<TallyConfig> config;
  @Inject Instance<Authenticator> authenticator;
  @Inject Instance<CurrentCaller> current;
  private final Resolved<TallyConfig> settings = new Resolved<>(() -> config);
  private final Resolved<Authenticator> authenticators = new Resolved<>(() -> authenticator);
  private final Resolved<CurrentCaller> caller = new Resolved<>(() -> current);

  /** Each resource method's rule, read from its annotations once. */
  private final Map<Method, Optional<Access>> declared = new ConcurrentHashMap<>();

  // nonBlocking: on the event loop even for a blocking endpoint, ahead of the body (BodyLimitFilter is nonBlocking too).
  @ServerRequestFilter(priority = Priorities.AUTHENTICATION, nonBlocking = true)
  public Uni<Response> authenticate(ContainerRequestContext request, ResourceInfo resource) {
    Method method = resource.getResourceMethod();
    Optional<Access> access = method == null ? Optional.empty() : declared.computeIfAbsent(method, Access::declaredOn);
    if (access.isEmpty()) {
      return Uni.createFrom().item(Problem.of(Response.Status.FORBIDDEN,
          "this route declares no access rule (@Allowed), so no key may use it; nothing was stored").toResponse());
    }
    if (!settings.get().security().enabled()) {
      caller.get().set(Caller.UNRESTRICTED);
      return Uni.createFrom().nullItem();
    }
    caller.get().route(access.get(), request.getHeaderString(BrowserCors.ORIGIN));
    String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    String secret = presented(authorization, request);
    if (secret == null) {
      if (access.get().keyMayBeInBody()) {
        return Uni.createFrom().nullItem();
      }
      return Uni.createFrom().item(Authenticator.unauthorized(
          "an API key is required: send Authorization: Bearer <key> or X-Api-Key: <key>; nothing was stored", Authenticator.BEARER_CHALLENGE));
    }
    List<String> clientIds = request.getUriInfo().getQueryParameters().getOrDefault("clientId", List.of());
    // A client that sent Basic credentials (an SDK's write key) is answered in its own scheme.
    String challenge = isBasic(authorization) ? Authenticator.BASIC_CHALLENGE : Authenticator.BEARER_CHALLENGE;
    return authenticators.get().authenticate(secret, access.get(), clientIds, challenge).map(Authenticator.Outcome::refusal);
  }

  /** The key from Authorization (Bearer, or Basic's user name), else X-Api-Key; null when none carries one. */
  private static String presented(String authorization, ContainerRequestContext request) {
    if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String key = authorization.substring(BEARER.length()).strip();
      if (!key.isEmpty()) {
        return key;
      }
    }
    if (isBasic(authorization)) {
      String key = basicUser(authorization.substring(BASIC.length()).strip());
      if (key != null) {
        return key;
      }
    }
    String header = request.getHeaderString(API_KEY_HEADER);
    return header == null || header.isBlank() ? null : header.strip();
  }

  private static boolean isBasic(String authorization) {
    return authorization != null && authorization.regionMatches(true, 0, BASIC, 0, BASIC.length());
  }

  /** RFC 7617 credentials: the user name is the key; a client that puts it in the password alone is understood too. */
  static String basicUser(String credentials) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    int colon = decoded.indexOf(':');
    String user = colon < 0 ? decoded : decoded.substring(0, colon);
    String password = colon < 0 ? "" : decoded.substring(colon + 1);
    String key = user.isBlank() ? password.strip() : user.strip();
    return key.isEmpty() ? null : key;
  }
}
