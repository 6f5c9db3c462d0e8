package dev.tally.platform;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * Every request on the API port gets an id: the caller's {@code X-Request-Id} when it is a plausible one (what an
 * ingress or a gateway in front of Tally set), a new random one otherwise. The id is answered in the response's
 * {@code X-Request-Id} header and put in the logging context as {@code requestId}, so every line logged while
 * serving the request carries it (in JSON logs as {@code mdc.requestId}); a client quoting the id of a 5xx lets
 * an operator find its log lines. Installed on the router before anything else, so refusals answered before
 * Tally's resources run (a body over the limit) carry it too.
 */
@ApplicationScoped
public class RequestIds {

  public static final String HEADER = "X-Request-Id";
  public static final String MDC_KEY = "requestId";

  /** What is taken from a caller: short, printable, no separators a log parser could trip on. */
  private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  void install(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE).handler(context -> {
      String id = idFor(context.request());
      MDC.put(MDC_KEY, id);
      context.response().putHeader(HEADER, id);
      context.addEndHandler(done -> MDC.remove(MDC_KEY));
      context.next();
    });
  }

  static String idFor(HttpServerRequest request) {
    String given = request.getHeader(HEADER);
    // A correlation id, not a secret: ThreadLocalRandom, not the shared SecureRandom behind UUID.randomUUID(), which
    // every event-loop thread would contend on for every request.
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return given != null && ACCEPTED.matcher(given).matches() ? given : new UUID(random.nextLong(), random.nextLong()).toString();
  }
}
