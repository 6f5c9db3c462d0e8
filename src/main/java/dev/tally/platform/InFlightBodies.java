package dev.tally.platform;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

  /** Bytes reserved right now. */
  public long reserved() {
    return reserved.get();
  }
}
