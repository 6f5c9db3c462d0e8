package dev.tally.aggregate;

import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;

/**
 * What this replica last learnt about the aggregates: the shared state (asOf, generation) seen by its last
 * attempt, how many scheduled attempts in a row have failed, and what its last consistency check found. Read by the
 * health check and the metrics.
 */
@Singleton
public class RefreshStatus {

  private AggregateState state;
  private long viewRows = -1;
  private int consecutiveFailures;
  private String lastFailure;
  private Instant lastCheck;
  private long checkedInconsistent;
  private String lastInconsistency;

  /** An attempt that worked: refreshed, found nothing to do, or found another replica refreshing. */
  public synchronized void succeeded(RefreshRun run) {
    if (state == null || run.state().generation() >= state.generation()) {
      state = run.state();
    }
    if (run.viewRows() >= 0) {
      viewRows = run.viewRows();
    }
    consecutiveFailures = 0;
    lastFailure = null;
  }

  /** A scheduled attempt that failed; readers keep the last good view meanwhile. */
  public synchronized int failed(Throwable failure) {
    lastFailure = failure.toString();
    return ++consecutiveFailures;
  }

  /** A consistency check ran at {@code at} and found {@code inconsistent} buckets; {@code example} describes one. */
  public synchronized void checked(Instant at, int inconsistent, String example) {
    lastCheck = at;
    checkedInconsistent = inconsistent;
    if (example != null) {
      lastInconsistency = at + ": " + example;
    }
  }

  public synchronized Snapshot snapshot() {
    return new Snapshot(state, viewRows, consecutiveFailures, lastFailure, lastCheck, checkedInconsistent, lastInconsistency);
  }

  /**
   * A consistent copy of the status; {@code state} is null until the first attempt finished, {@code lastCheck} until the
   * first consistency check. {@code lastInconsistency} is kept after later checks found none, as a trace.
   */
  public record Snapshot(AggregateState state, long viewRows, int consecutiveFailures, String lastFailure, Instant lastCheck,
      long lastCheckInconsistent, String lastInconsistency) {

    /** How far asOf trails {@code now}; null while asOf is unknown. */
    public Duration lag(Instant now) {
      return state == null ? null : Duration.between(state.asOf(), now);
    }

    public boolean healthy(int failuresBeforeDown) {
      return consecutiveFailures < failuresBeforeDown;
    }
  }
}
