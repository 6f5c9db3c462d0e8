package dev.tally.aggregate;

import dev.tally.platform.TallyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Keeps the materialized aggregates fresh. Every replica ticks every {@code tally.aggregates.refresh-interval}; the one
 * that gets the advisory lock re-materializes the buckets that committed events invalidated, the others skip;
 * then it checks a sample of buckets against a recompute from events. A failed refresh is logged and retried on the next tick while readers keep the last good view.
 */
@ApplicationScoped
public class AggregateRefresher {

  private static final Logger LOG = Logger.getLogger(AggregateRefresher.class);

  @Inject AggregateRepository repository;
  @Inject TallyConfig config;

  private RefreshStatus status;
  private Timer refreshTimer;
  private Counter failures;
  private Counter inconsistent;
  private Counter sampled;
  private Clock clock;
  private final Map<RefreshRun.Outcome, Counter> attempts = new EnumMap<>(RefreshRun.Outcome.class);

  @Inject
  AggregateRefresher(MeterRegistry registry, RefreshStatus status, Clock clock) {
    this.status = status;
    this.clock = clock;
    inconsistent = Counter.builder("tally.aggregates.consistency.inconsistent")
        .description("Sampled buckets whose materialization differed from a recompute from events (each is then repaired)")
        .register(registry);
    sampled = Counter.builder("tally.aggregates.consistency.checks")
        .description("Consistency checks run (after scheduled refreshes)")
        .register(registry);
    refreshTimer = Timer.builder("tally.aggregates.refresh")
        .description("Duration of refreshes that re-materialized changed buckets")
        .register(registry);
    failures = Counter.builder("tally.aggregates.refresh.failures")
        .description("Refresh attempts that failed (scheduled or requested)")
        .register(registry);
    for (RefreshRun.Outcome outcome : RefreshRun.Outcome.values()) {
      attempts.put(outcome, Counter.builder("tally.aggregates.refresh.attempts")
          .description("Refresh attempts by outcome: refreshed, unchanged (nothing to do) or locked (another replica refreshing)")
          .tag("outcome", outcome.name().toLowerCase())
          .register(registry));
    }
    Gauge.builder("tally.aggregates.view.rows", status, s -> s.snapshot().viewRows())
        .description("Materialized 15-minute buckets after the last refresh this replica ran (-1 until then)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("tally.aggregates.lag.seconds", status, s -> {
          Duration lag = s.snapshot().lag(clock.instant());
          return lag == null ? Double.NaN : lag.toMillis() / 1000.0;
        })
        .description("How far the aggregates' asOf trails this replica's clock")
        .strongReference(true)
        .register(registry);
  }

  @Scheduled(every = "${tally.aggregates.refresh-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> scheduled() {
    return attempt(null)
        .call(run -> run.outcome() == RefreshRun.Outcome.LOCKED ? Uni.createFrom().voidItem() : check())
        .onFailure().invoke(e -> {
          int inARow = status.failed(e);
          LOG.warnf("Aggregates refresh failed (%d in a row); readers keep the last good view, retrying next interval. Cause: %s",
              inARow, causes(e));
        })
        .onFailure().recoverWithNull()
        .replaceWithVoid();
  }

  /** Refreshes now, waiting (at most tally.aggregates.refresh-wait-timeout) for a refresh running elsewhere. */
  public Uni<RefreshRun> refreshNow() {
    return attempt(config.aggregates().refreshWaitTimeout());
  }

  private Uni<RefreshRun> attempt(Duration waitFor) {
    return repository.refresh(waitFor, config.aggregates().refreshLogSize())
        .invoke(run -> {
          status.succeeded(run);
          attempts.get(run.outcome()).increment();
          if (run.outcome() == RefreshRun.Outcome.REFRESHED) {
            refreshTimer.record(Duration.ofMillis(run.durationMs()));
            LOG.debugf("Aggregates refreshed in %d ms: generation %d, asOf %s, %d buckets, %d invalidations",
                run.durationMs(), run.state().generation(), run.asOf(), run.viewRows(), run.changes());
          }
        })
        .onFailure().invoke(() -> failures.increment());
  }

  /**
   * Compares a sample of buckets with a recompute from events. Safe at any time (one snapshot, buckets with pending
   * invalidations skipped), run after the replica's own refresh so that it costs at most one small query a cycle.
   */
  public Uni<Void> check() {
    int sample = config.aggregates().consistencySample();
    if (sample <= 0) {
      return Uni.createFrom().voidItem();
    }
    return repository.check(sample).invoke(found -> {
      sampled.increment();
      inconsistent.increment(found.size());
      status.checked(clock.instant(), found.size(), found.isEmpty() ? null : found.get(0).describe());
      for (AggregateRepository.Inconsistency difference : found) {
        LOG.errorf("Aggregates consistency check: %s; invalidated, the next refresh recomputes it", difference.describe());
      }
    }).replaceWithVoid();
  }

  private static String causes(Throwable e) {
    StringBuilder text = new StringBuilder(e.toString());
    for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      text.append(" <- ").append(cause);
    }
    return text.toString();
  }
}
