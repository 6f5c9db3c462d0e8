package dev.tally.aggregate;

import java.time.Instant;

/**
 * The body of POST /aggregates/refresh: the new asOf, how long the refresh took (after any wait for a refresh
 * running elsewhere) and whether the view was rebuilt (false when no event had changed since the last one).
 */
public record RefreshResult(Instant asOf, long durationMs, boolean refreshed) {

  static RefreshResult of(RefreshRun run) {
    return new RefreshResult(run.asOf(), run.durationMs(), run.outcome() == RefreshRun.Outcome.REFRESHED);
  }
}
