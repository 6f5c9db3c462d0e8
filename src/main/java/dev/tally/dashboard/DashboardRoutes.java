package dev.tally.dashboard;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The dashboard's static files (src/main/resources/META-INF/resources/dashboard, served by Quarkus' static
 * handler) are public: they hold no data and no secret, and every figure they show comes from the API with the
 * key the viewer types in. They are not JAX-RS resources, so security.AuthFilter never sees them; this route adds
 * their security headers: a CSP that allows only this origin (no inline script or style, no framing), no sniffing,
 * no referrer, and revalidation before reuse. {@code /dashboard} redirects to {@code /dashboard/}, whose
 * index.html the static handler serves.
 */
@ApplicationScoped
public class DashboardRoutes {

  static final String PATH = "/dashboard";

  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  void routes(@Observes Router router) {
    router.routeWithRegex("^" + PATH + "(/.*)?$").order(Integer.MIN_VALUE).handler(context -> {
      context.addHeadersEndHandler(ignored -> secure(context.response()));
      if (context.normalizedPath().equals(PATH)) {
        context.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION, PATH + "/").end();
        return;
      }
      context.next();
    });
  }

  static void secure(HttpServerResponse response) {
    response.headers()
        .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .set("X-Frame-Options", "DENY")
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "no-referrer")
        .set("Cross-Origin-Opener-Policy", "same-origin")
        .set(HttpHeaders.CACHE_CONTROL, "no-cache");
  }
}
