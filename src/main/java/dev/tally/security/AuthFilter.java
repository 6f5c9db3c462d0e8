package dev.tally.security;

import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates, authorizes and rate-limits every request before anything else happens to it: before the
 * body limit check and before a byte of the body is read, so a refused request stores nothing. The
 * management port (health, metrics, OpenAPI) is a separate server this filter never sees.
 *
 * <p>A key is taken from {@code Authorization: Bearer}, {@code X-Api-Key} or {@code Authorization: Basic} (the
 * key as user name, which is how the Segment and RudderStack SDKs send their write key). The SDK routes alone
 * may come without one in the headers: PostHog's SDK (and Segment's browser library) put the key in the body,
 * so those requests are authenticated by the SDK endpoint once it has read the body, before anything is stored.
 */
public class AuthFilter {

  static final String API_KEY_HEADER = "X-Api-Key";
  private static final String BEARER = "bearer ";
  private static final String BASIC = "basic ";

  // Filters are created at static init, before runtime configuration exists: look beans up lazily.
  @Inject Instance<TallyConfig> config;
  @Inject Instance<Authenticator> authenticator;
  @Inject Instance<CurrentCaller> current;

  @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
  public Uni<Response> authenticate(ContainerRequestContext request) {
    if (!config.get().security().enabled()) {
      current.get().set(Caller.UNRESTRICTED);
      return Uni.createFrom().nullItem();
    }
    String method = request.getMethod();
    String path = request.getUriInfo().getPath();
    String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    String secret = presented(authorization, request);
    if (secret == null) {
      if (Access.mayCarryKeyInBody(method, path)) {
        return Uni.createFrom().nullItem();
      }
      return Uni.createFrom().item(Authenticator.unauthorized(
          "an API key is required: send Authorization: Bearer <key> or X-Api-Key: <key>; nothing was stored", Authenticator.BEARER_CHALLENGE));
    }
    List<String> clientIds = request.getUriInfo().getQueryParameters().getOrDefault("clientId", List.of());
    // A client that sent Basic credentials (an SDK's write key) is answered in its own scheme.
    String challenge = isBasic(authorization) ? Authenticator.BASIC_CHALLENGE : Authenticator.BEARER_CHALLENGE;
    return authenticator.get().authenticate(secret, method, path, clientIds, challenge).map(Authenticator.Outcome::refusal);
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
