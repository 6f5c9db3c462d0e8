package dev.tally.monitoring;

import dev.tally.platform.TallyConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Gauges of work waiting in the database, read every {@code tally.metrics.sample-interval} by every replica (the
 * values are the same everywhere; dashboards take the max): raw rows still pending settlement and the age of the
 * oldest, rows whose last settle attempt failed, running replays and the rows they have left. Each read uses an
 * index (the partial index on pending rows, the running-replay index) and the pending count stops at
 * {@code tally.metrics.pending-count-cap}, so a large backlog cannot make the sample itself expensive.
 */
@ApplicationScoped
public class BacklogGauges {

  private static final Logger LOG = Logger.getLogger(BacklogGauges.class);

  private static final String SAMPLE = "SELECT"
      + " (SELECT count(*) FROM (SELECT 1 FROM raw_events WHERE status = 'pending' LIMIT $1) p) AS pending,"
      + " (SELECT extract(epoch FROM now() - min(received_at)) FROM raw_events WHERE status = 'pending') AS oldest,"
      + " (SELECT count(*) FROM (SELECT 1 FROM raw_events WHERE status = 'pending' AND settle_failed_at IS NOT NULL LIMIT $1) f) AS failed,"
      + " (SELECT count(*) FROM replays WHERE state = 'running') AS replays,"
      + " (SELECT coalesce(sum(greatest(total - processed, 0)), 0) FROM replays WHERE state = 'running') AS remaining";

  @Inject Pool pool;
  @Inject MeterRegistry metrics;
  @Inject TallyConfig config;

  /** The last sample; NaN until the first one succeeds, so a replica that cannot read reports no value, not zero. */
  private volatile Sample last = Sample.UNKNOWN;

  record Sample(double pending, double oldestSeconds, double failed, double replays, double remaining) {
    static final Sample UNKNOWN = new Sample(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }

  @PostConstruct
  void register() {
    Gauge.builder("tally.raw.pending", this, g -> g.last.pending())
        .description("Raw rows received but not yet settled (counted up to tally.metrics.pending-count-cap); the recovery job settles those older than its grace")
        .baseUnit("rows")
        .register(metrics);
    Gauge.builder("tally.raw.pending.oldest", this, g -> g.last.oldestSeconds())
        .description("Age of the oldest pending raw row (0 when none is pending)")
        .baseUnit("seconds")
        .register(metrics);
    Gauge.builder("tally.raw.settle.failed", this, g -> g.last.failed())
        .description("Pending raw rows whose last settle attempt failed; retried after tally.recovery.failed-row-retry-interval")
        .baseUnit("rows")
        .register(metrics);
    Gauge.builder("tally.replays.running", this, g -> g.last.replays())
        .description("Replays running on any replica")
        .register(metrics);
    Gauge.builder("tally.replays.remaining", this, g -> g.last.remaining())
        .description("Raw rows the running replays have still to process")
        .baseUnit("rows")
        .register(metrics);
  }

  @Scheduled(every = "${tally.metrics.sample-interval}", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> sample() {
    return pool.preparedQuery(SAMPLE).execute(Tuple.of(config.metrics().pendingCountCap()))
        .invoke(rows -> last = read(rows.iterator().next()))
        .onFailure().invoke(e -> {
          LOG.debugf("Cannot sample the backlog gauges: %s", e.toString());
          last = Sample.UNKNOWN;
        })
        .onFailure().recoverWithNull()
        .replaceWithVoid();
  }

  private static Sample read(Row row) {
    Double oldest = row.getDouble("oldest");
    return new Sample(row.getLong("pending"), oldest == null ? 0 : oldest, row.getLong("failed"), row.getLong("replays"),
        row.getLong("remaining"));
  }
}
