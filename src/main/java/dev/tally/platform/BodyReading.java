package dev.tally.platform;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * One request body read under Tally's limits (see {@link BodyLimitFilter}): bytes are counted and reserved from the
 * in-flight budget as they arrive, reading stops one byte past the size limit, and a timer bounds the whole body.
 * Every callback runs on the request's event loop, so the state needs no locking; the budget is shared and atomic.
 * The reservation lives until the request ends, however it ends (answered, refused, or the connection lost).
 */
final class BodyReading {

  /** The body to hand on, or why it was refused (a metric tag and the answer). */
  record Outcome(InputStream body, String refusedAs, Response refusal) {

    static Outcome read(Buffer bytes) {
      return new Outcome(new ByteArrayInputStream(bytes.getBytes()), null, null);
    }

    static Outcome refused(String reason, Response response) {
      return new Outcome(null, reason, response);
    }
  }

  private final RoutingContext routing;
  private final InFlightBodies budget;
  private final TallyConfig.Ingest limits;
  private final Long declared;

  private Buffer received;
  private long reserved;
  private boolean released;
  private boolean done;
  private long timer = -1;
  private UniEmitter<? super Outcome> emitter;

  BodyReading(RoutingContext routing, InFlightBodies budget, TallyConfig.Ingest limits, Long declared) {
    this.routing = routing;
    this.budget = budget;
    this.limits = limits;
    this.declared = declared;
  }

  Uni<Outcome> read() {
    return Uni.createFrom().<Outcome>emitter(this::start);
  }

  private void start(UniEmitter<? super Outcome> emitter) {
    this.emitter = emitter;
    HttpServerRequest request = routing.request();
    routing.addEndHandler(ended -> release());
    // A declared length is reserved whole, before reading: a body that cannot fit is refused without being read.
    if (declared != null) {
      if (!reserve(declared)) {
        finish(Outcome.refused("memory", budget.busy()));
        return;
      }
      received = Buffer.buffer((int) (long) declared);
    } else {
      received = Buffer.buffer();
    }
    long timeout = Math.max(1, limits.bodyTimeout().toMillis());
    timer = routing.vertx().setTimer(timeout, id -> finish(Outcome.refused("timeout", timedOut(timeout))));
    request.handler(this::chunk);
    request.endHandler(ignored -> finish(Outcome.read(received)));
    request.exceptionHandler(failure -> finish(Outcome.refused("aborted", Problem.of(Response.Status.BAD_REQUEST,
        "the body was cut off before its end (" + failure.getMessage() + "); nothing was stored").toResponse())));
    if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
      request.response().writeContinue();
    }
    request.resume();
  }

  private void chunk(Buffer chunk) {
    if (done) {
      return;
    }
    long size = (long) received.length() + chunk.length();
    if (size > limits.maxBodyBytes()) {
      finish(Outcome.refused("too_large", Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
          "the body has more than " + limits.maxBodyBytes() + " bytes (tally.ingest.max-body-bytes); reading stopped there and"
              + " nothing was stored").toResponse()));
      return;
    }
    // Without a declared length the reservation grows with the body.
    if (size > reserved && !reserve(size - reserved)) {
      finish(Outcome.refused("memory", budget.busy()));
      return;
    }
    received.appendBuffer(chunk);
  }

  private boolean reserve(long bytes) {
    if (!budget.tryReserve(bytes)) {
      return false;
    }
    reserved += bytes;
    return true;
  }

  private void finish(Outcome outcome) {
    if (done) {
      return;
    }
    done = true;
    if (timer >= 0) {
      routing.vertx().cancelTimer(timer);
    }
    if (outcome.body() == null) {
      // Stop reading: the rest of a refused body is never buffered (the connection is closed after the answer).
      routing.request().pause();
      received = null;
    }
    emitter.complete(outcome);
  }

  private void release() {
    if (!released) {
      released = true;
      budget.release(reserved);
    }
  }

  private Response timedOut(long timeoutMillis) {
    return Problem.of(Response.Status.REQUEST_TIMEOUT,
            "the body did not arrive within tally.ingest.body-timeout (" + timeoutMillis + " ms); nothing was stored")
        .toResponse();
  }
}
