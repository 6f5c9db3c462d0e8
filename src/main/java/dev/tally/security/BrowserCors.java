package dev.tally.security;

import dev.tally.platform.TallyConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * CORS for the {@link CrossOrigin} routes, and for them only: a preflight ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) is answered here, before Quarkus REST, as no resource declares OPTIONS; an
 * actual request's answer gets {@code Access-Control-Allow-Origin} (the request's own origin),
 * {@code Access-Control-Allow-Credentials: true} (Snowplow's tracker sends {@code credentials: 'include'}; Tally sets
 * and reads no cookie, so credentials grant nothing here), and {@code Retry-After} exposed.
 *
 * <p>Every origin gets these headers, refused ones included: whether an origin may use a key is decided with the key
 * ({@link Authenticator}, 403 before anything is stored), and a refusal the SDK can read is final for it, where a
 * CORS failure would look like a network error it retries forever. Quarkus' own CORS filter
 * ({@code quarkus.http.cors}) applies to every route alike, the admin and read routes included, so it is not used.
 */
@ApplicationScoped
public class BrowserCors {

  static final String ORIGIN = "Origin";
  private static final String REQUEST_METHOD = "Access-Control-Request-Method";
  private static final String REQUEST_HEADERS = "Access-Control-Request-Headers";
  private static final Pattern HEADER_LIST = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+(\\s*,\\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*");
  // Ahead of Quarkus REST and its body handling: a preflight has no body and never reaches a resource.
  private static final int ORDER = -1_000;

  @Inject TallyConfig config;
  @Inject BeanManager beans;

  private volatile List<Pattern> routes = List.of();

  void install(@Observes Router router) {
    routes = crossOriginRoutes();
    router.route().order(ORDER).handler(this::handle);
  }

  /** The paths of every {@link CrossOrigin} resource method, as regular expressions (a trailing slash optional). */
  List<Pattern> crossOriginRoutes() {
    TreeSet<String> templates = new TreeSet<>();
    for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
      Class<?> resource = bean.getBeanClass();
      Path classPath = resource.getAnnotation(Path.class);
      if (classPath == null) {
        continue;
      }
      for (Method method : resource.getDeclaredMethods()) {
        if (method.isAnnotationPresent(CrossOrigin.class) || resource.isAnnotationPresent(CrossOrigin.class)) {
          Path methodPath = method.getAnnotation(Path.class);
          templates.add(classPath.value() + "/" + (methodPath == null ? "" : methodPath.value()));
        }
      }
    }
    List<Pattern> patterns = new ArrayList<>();
    templates.forEach(template -> patterns.add(PathTemplates.regex(template)));
    return List.copyOf(patterns);
  }

  private void handle(RoutingContext routing) {
    HttpServerRequest request = routing.request();
    String origin = request.getHeader(ORIGIN);
    if (origin == null || !crossOrigin(request.path())) {
      routing.next();
      return;
    }
    if (request.method() == HttpMethod.OPTIONS && request.getHeader(REQUEST_METHOD) != null) {
      preflight(request, routing.response(), origin);
      return;
    }
    routing.addHeadersEndHandler(ignored -> allow(routing.response(), origin).putHeader("Access-Control-Expose-Headers", "Retry-After"));
    routing.next();
  }

  private void preflight(HttpServerRequest request, HttpServerResponse response, String origin) {
    allow(response, origin)
        .putHeader("Access-Control-Allow-Methods", "GET, POST")
        .putHeader("Access-Control-Max-Age", String.valueOf(config.browser().preflightMaxAge().toSeconds()))
        .putHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    String headers = request.getHeader(REQUEST_HEADERS);
    if (headers != null && HEADER_LIST.matcher(headers.strip()).matches()) {
      // Whatever the SDK asks to send (Authorization, Content-Type, a Snowplow customHeaders name): each is only read
      // the way it is read from any other client.
      response.putHeader("Access-Control-Allow-Headers", headers.strip());
    }
    response.setStatusCode(204).end();
  }

  private static HttpServerResponse allow(HttpServerResponse response, String origin) {
    return response.putHeader("Access-Control-Allow-Origin", origin)
        .putHeader("Access-Control-Allow-Credentials", "true")
        .putHeader("Vary", "Origin");
  }

  boolean crossOrigin(String path) {
    for (Pattern route : routes) {
      if (route.matcher(path).matches()) {
        return true;
      }
    }
    return false;
  }
}
