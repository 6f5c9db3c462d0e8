package dev.tally.platform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Reads every request body itself, once the request has matched a resource method and passed the key check, before
 * anything else sees it, so that three limits hold whatever the headers say:
 *
 * <ul>
 *   <li>size: {@code tally.ingest.max-body-bytes}. A declared Content-Length over it is refused before a byte is read;
 *       a chunked body is refused the moment its bytes pass it (one byte over, not the transport's 16 MB);
 *   <li>memory: {@code tally.ingest.max-body-bytes-in-flight} for all bodies in flight together ({@link InFlightBodies});
 *   <li>time: {@code tally.ingest.body-timeout} for the whole body, not only between two bytes.
 * </ul>
 *
 * A refused body gets a problem document and its connection is closed (the unread rest of the body must not be
 * taken for the next request); nothing of it is stored. The body read here is handed to the resource as its entity,
 * so Quarkus REST never buffers it a second time.
 */
public class BodyLimitFilter {

  // After security.AuthFilter (AUTHENTICATION): a refused request stores and reads nothing. Before any filter that
  // would look at the body. Post-matching request filters run before Quarkus REST reads a body (its InputHandler
  // comes after them in each resource method's handler chain) and skips reading one a filter has set.
  static final int PRIORITY = Priorities.AUTHENTICATION + 100;

  // Filters and mappers are created at static init, before runtime configuration exists: look beans up lazily.
  @Inject Instance<TallyConfig> config;
  @Inject Instance<InFlightBodies> inFlight;
  @Inject Instance<MeterRegistry> metrics;
  private final Resolved<TallyConfig> settings = new Resolved<>(() -> config);
  private final Resolved<InFlightBodies> bodies = new Resolved<>(() -> inFlight);

  // nonBlocking: on the event loop even for a blocking endpoint, as the body is read there.
  @ServerRequestFilter(priority = PRIORITY, nonBlocking = true)
  public Uni<Response> readBody(ContainerRequestContext request, RoutingContext routing) {
    if (request.getMethod().equals("GET") || request.getMethod().equals("HEAD")) {
      return Uni.createFrom().nullItem();
    }
    TallyConfig.Ingest limits = settings.get().ingest();
    Long declared;
    try {
      declared = declaredLength(request.getHeaderString(HttpHeaders.CONTENT_LENGTH));
    } catch (NumberFormatException e) {
      return refuse(routing, "bad_length", Problem.of(Response.Status.BAD_REQUEST,
          "Content-Length " + request.getHeaderString(HttpHeaders.CONTENT_LENGTH) + " is not a number; nothing was stored").toResponse());
    }
    if (declared != null && declared > limits.maxBodyBytes()) {
      return refuse(routing, "too_large", tooLarge(declared, limits.maxBodyBytes()));
    }
    boolean chunked = request.getHeaderString("Transfer-Encoding") != null;
    if ((declared == null || declared == 0) && !chunked) {
      return Uni.createFrom().nullItem(); // no body
    }
    return new BodyReading(routing, bodies.get(), limits, declared).read()
        .flatMap(outcome -> {
          if (outcome.body() == null) {
            return refuse(routing, outcome.refusedAs(), outcome.refusal());
          }
          request.setEntityStream(outcome.body());
          return Uni.createFrom().nullItem();
        });
  }

  /** Counts the refusal, and has the connection closed once the answer is out. */
  private Uni<Response> refuse(RoutingContext routing, String reason, Response response) {
    Counter.builder("tally.http.bodies.refused")
        .description("Request bodies refused before anything was stored, by reason: too_large (413), memory (503), timeout (408), aborted")
        .tag("reason", reason)
        .register(metrics.get())
        .increment();
    routing.addEndHandler(ended -> routing.request().connection().close());
    return Uni.createFrom().item(Response.fromResponse(response).header("Connection", "close").build());
  }

  private static Long declaredLength(String header) {
    return header == null ? null : Long.parseLong(header.strip());
  }

  public static Response tooLarge(long length, int limit) {
    return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
            "the body has " + length + " bytes; at most " + limit + " are accepted (tally.ingest.max-body-bytes); nothing was stored")
        .toResponse();
  }

  /**
   * A body over the limit as received ({@code receivedBytes}), or, when that is null, a compressed body that
   * inflates past it (a zip bomb, or just too much): refused, nothing stored.
   */
  public static Response tooLarge(Integer receivedBytes, int limit) {
    return receivedBytes != null ? tooLarge(receivedBytes.longValue(), limit) : tooLargeDecoded(limit);
  }

  private static Response tooLargeDecoded(int limit) {
    return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
            "the body decompresses to more than " + limit + " bytes (tally.ingest.max-body-bytes applies to the decoded body);"
                + " nothing was stored")
        .toResponse();
  }
}
