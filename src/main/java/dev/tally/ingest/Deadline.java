package dev.tally.ingest;

import dev.tally.platform.DatabaseUnavailableException;
import io.smallrye.mutiny.Uni;
import java.time.Duration;

/** tally.ingest.request-deadline, for every endpoint that ingests (POST /events and the SDK routes). */
public final class Deadline {

  private Deadline() {}

  /**
   * The pipeline's answer, or 503 once {@code deadline} has passed. The pipeline itself runs to its end even when
   * nobody waits for the answer any more (the client went away, or the deadline passed): cancelling it halfway
   * would only leave raw rows pending until the recovery job runs; finished, the event is stored and the
   * client's retry is answered duplicate.
   */
  public static <T> Uni<T> within(Uni<T> pipeline, Duration deadline) {
    Uni<T> detached = Uni.createFrom().emitter(emitter -> pipeline.subscribe().with(emitter::complete, emitter::fail));
    return detached.ifNoItem().after(deadline).failWith(() -> new DatabaseUnavailableException(
        "no answer within tally.ingest.request-deadline (" + deadline.toMillis() + " ms); nothing was acknowledged"));
  }
}
