package dev.tally.aggregate;

import java.time.Instant;

/** What one refresh attempt did, and the state it left (or found, when another replica held the lock). */
public record RefreshRun(Outcome outcome, AggregateState state, long durationMs, long viewRows, long changes) {

  public enum Outcome {
    /** The view was rebuilt: events had changed since the last refresh. */
    REFRESHED,
    /** Nothing changed since the last refresh; asOf moved forward, the view and its generation did not. */
    UNCHANGED,
    /** Another replica (or caller) was refreshing; this scheduled attempt was skipped. */
    LOCKED
  }

  public Instant asOf() {
    return state.asOf();
  }
}
