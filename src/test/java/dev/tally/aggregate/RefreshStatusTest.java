package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The health rule: DOWN only after N failed intervals in a row; any working attempt resets the count. */
class RefreshStatusTest {

  private static final AggregateState STATE = new AggregateState(7, Instant.parse("2024-01-01T00:00:00Z"));

  @Test
  void staysUpUntilTheConfiguredNumberOfConsecutiveFailures() {
    RefreshStatus status = new RefreshStatus();
    status.succeeded(new RefreshRun(RefreshRun.Outcome.REFRESHED, STATE, 12, 100, 3));
    status.failed(new IllegalStateException("connection refused"));
    status.failed(new IllegalStateException("connection refused"));
    assertThat(status.snapshot().healthy(3)).isTrue();
    status.failed(new IllegalStateException("connection refused"));
    RefreshStatus.Snapshot down = status.snapshot();
    assertThat(down.healthy(3)).isFalse();
    assertThat(down.lastFailure()).contains("connection refused");
    assertThat(down.state()).as("the last good state is kept").isEqualTo(STATE);
    assertThat(down.viewRows()).isEqualTo(100);

    status.succeeded(new RefreshRun(RefreshRun.Outcome.LOCKED, STATE, 0, -1, 0));
    RefreshStatus.Snapshot up = status.snapshot();
    assertThat(up.healthy(3)).isTrue();
    assertThat(up.consecutiveFailures()).isZero();
    assertThat(up.lastFailure()).isNull();
    assertThat(up.viewRows()).as("a skipped attempt does not forget the row count").isEqualTo(100);
  }

  @Test
  void lagIsMeasuredFromAsOfAndUnknownBeforeTheFirstAttempt() {
    RefreshStatus status = new RefreshStatus();
    assertThat(status.snapshot().lag(Instant.now())).isNull();
    status.succeeded(new RefreshRun(RefreshRun.Outcome.UNCHANGED, STATE, 1, -1, 0));
    assertThat(status.snapshot().lag(STATE.asOf().plusSeconds(9))).isEqualTo(Duration.ofSeconds(9));
  }

  @Test
  void anOlderGenerationNeverReplacesANewerOne() {
    RefreshStatus status = new RefreshStatus();
    status.succeeded(new RefreshRun(RefreshRun.Outcome.REFRESHED, STATE, 1, 1, 1));
    status.succeeded(new RefreshRun(RefreshRun.Outcome.LOCKED, new AggregateState(6, Instant.EPOCH), 0, -1, 0));
    assertThat(status.snapshot().state()).isEqualTo(STATE);
  }
}
