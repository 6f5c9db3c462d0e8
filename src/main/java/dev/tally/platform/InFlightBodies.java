package dev.tally.platform;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory budget of all request bodies in flight together ({@code tally.ingest.max-body-bytes-in-flight}): a
 * body's bytes are reserved as they arrive and released when its request ends, however it ends. Without it, a few
 * hundred slow uploads of just under the size limit each fill the heap; with it, the request that would pass the
 * budget is refused with 503 and Retry-After instead, and the process stays well.
 */
@ApplicationScoped
public class InFlightBodies {

  private final AtomicLong reserved = new AtomicLong();

  @Inject TallyConfig config;
  @Inject MeterRegistry metrics;
  @Inject CurrentVertxRequest current;

  @PostConstruct
  void gauge() {
    Gauge.builder("tally.http.body.bytes.in.flight", reserved, AtomicLong::get)
        .description("Bytes of request bodies held by requests in flight (bounded by tally.ingest.max-body-bytes-in-flight)")
        .baseUnit("bytes")
        .register(metrics);
  }

  /** Reserves {@code bytes} if the budget has room for them; false (and nothing reserved) otherwise. */
  public boolean tryReserve(long bytes) {
    long budget = config.ingest().maxBodyBytesInFlight();
    while (true) {
      long current = reserved.get();
      if (current + bytes > budget) {
        return false;
      }
      if (reserved.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    reserved.addAndGet(-bytes);
  }

  /**
   * Holds a decoded body against the budget until the current request ends, when decoding made new bytes of the body
   * as received ({@code decoded != received}: gzip, deflate); false (nothing reserved) when the budget has no room, and
   * the request should be answered {@link #busy()}. Decoding itself runs on an event loop, one body at a time per
   * loop, so only what is kept needs reserving. Outside a request (nothing to release it) nothing is reserved.
   */
  public boolean tryHoldDecoded(byte[] received, byte[] decoded) {
    RoutingContext routing = current.getCurrent();
    if (decoded == received || routing == null) {
      return true;
    }
    long bytes = decoded.length;
    if (!tryReserve(bytes)) {
      return false;
    }
    AtomicBoolean released = new AtomicBoolean();
    routing.addEndHandler(ended -> {
      if (released.compareAndSet(false, true)) {
        release(bytes);
      }
    });
    return true;
  }

  /** The answer to a request whose body does not fit the budget: 503 with Retry-After, nothing stored. */
  public Response busy() {
    return Response.fromResponse(Problem.of(Response.Status.SERVICE_UNAVAILABLE,
                "request bodies in flight already hold tally.ingest.max-body-bytes-in-flight (" + config.ingest().maxBodyBytesInFlight()
                    + " bytes); nothing was stored. Retry later.")
            .toResponse())
        .header("Retry-After", 1)
        .build();
  }

  /** Bytes reserved right now. */
  public long reserved() {
    return reserved.get();
  }
}
