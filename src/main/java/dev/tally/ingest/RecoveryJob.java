package dev.tally.ingest;

import dev.tally.platform.DatabaseLayout;
import dev.tally.platform.TallyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Finishes raw rows whose normalization never completed (the process died, or the database went away,
 * between the raw commit and the settle transaction). Rows are claimed with FOR UPDATE SKIP LOCKED in
 * bounded chunks, so any number of replicas can run it, and are settled exactly as the request would have
 * settled them. Runs at startup and every {@code tally.recovery.interval}.
 *
 * <p>A row that cannot be settled (its normalization throws, the database refuses its statements) fails alone:
 * it is marked with its error and stays pending ({@link IsolatedReprocessor}), the rest of its chunk settles, and
 * it is taken again only after {@code tally.recovery.failed-row-retry-interval}, so it never blocks the rows
 * behind it. A transient failure (the database away) still ends the run; the next one starts over.
 */
@ApplicationScoped
public class RecoveryJob {

  private static final Logger LOG = Logger.getLogger(RecoveryJob.class);

  private static final String DUE = "status = 'pending' AND received_at < now() - make_interval(secs => $1)"
      + " AND (settle_failed_at IS NULL OR settle_failed_at < now() - make_interval(secs => $3))";

  private static final String CLAIM = "SELECT " + StoredRawRows.COLUMNS
      + " FROM raw_events WHERE " + DUE + " ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED";

  // Citus (V14) locks rows of one shard per statement only: a chunk is the due rows of one client, the client of the
  // oldest due row (found without a lock, $2 there only to keep the parameters aligned).
  private static final String OLDEST_DUE_CLIENT = "SELECT client_id FROM raw_events WHERE " + DUE
      + " AND $2::int > 0 ORDER BY received_at LIMIT 1";
  private static final String CLAIM_CLIENT = "SELECT " + StoredRawRows.COLUMNS
      + " FROM raw_events WHERE client_id = $4 AND " + DUE + " ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED";

  /** The metric tag and log wording of this job's settle failures. */
  static final String JOB = "recovery";

  @Inject IsolatedReprocessor reprocessor;
  @Inject DatabaseLayout layout;
  @Inject TallyConfig config;
  @Inject MeterRegistry metrics;

  private Counter succeeded;
  private Counter failed;
  private Counter settled;

  @PostConstruct
  void counters() {
    succeeded = runs("succeeded");
    failed = runs("failed");
    settled = Counter.builder("tally.recovery.rows")
        .description("Pending raw rows the recovery job settled (rows it could not settle count in tally_settle_failures_total{job=\"recovery\"})")
        .baseUnit("rows")
        .register(metrics);
  }

  private Counter runs(String outcome) {
    return Counter.builder("tally.recovery.runs")
        .description("Scheduled recovery runs by outcome: succeeded (including runs with nothing to do) or failed (retried next interval)")
        .tag("outcome", outcome)
        .register(metrics);
  }

  @Scheduled(every = "${tally.recovery.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> scheduled() {
    TallyConfig.Recovery recovery = config.recovery();
    return recover(recovery.grace(), recovery.chunkSize(), recovery.maxChunksPerRun())
        .invoke(count -> {
          succeeded.increment();
          settled.increment(count);
          if (count > 0) {
            LOG.infof("Recovered %d pending raw events", count);
          }
        })
        .onFailure().invoke(e -> {
          failed.increment();
          LOG.warnf("Recovery run failed, will retry next interval: %s", e.toString());
        })
        .onFailure().recoverWithNull()
        .replaceWithVoid();
  }

  /** Settles pending rows older than {@code grace}; returns how many it settled (rows that failed are marked, not counted). */
  public Uni<Integer> recover(Duration grace, int chunkSize, int maxChunks) {
    return recoverChunks(grace, chunkSize, maxChunks, 0);
  }

  private Uni<Integer> recoverChunks(Duration grace, int chunkSize, int chunksLeft, int doneSoFar) {
    if (chunksLeft == 0) {
      return Uni.createFrom().item(doneSoFar);
    }
    return layout.distributed().flatMap(distributed -> reprocessor
        .withTransaction(connection -> recoverChunk(connection, grace, chunkSize, distributed))
        .flatMap(chunk -> {
          int done = doneSoFar + chunk.done().size();
          // Under Citus a chunk holds one client's rows: a short one does not mean that no other client has due rows.
          boolean last = distributed ? chunk.size() == 0 : chunk.size() < chunkSize;
          return last ? Uni.createFrom().item(done) : recoverChunks(grace, chunkSize, chunksLeft - 1, done);
        }));
  }

  private Uni<ReprocessedChunk> recoverChunk(SqlConnection connection, Duration grace, int chunkSize, boolean distributed) {
    double graceSeconds = grace.toMillis() / 1000.0;
    double retrySeconds = config.recovery().failedRowRetryInterval().toMillis() / 1000.0;
    Tuple due = Tuple.of(graceSeconds, chunkSize, retrySeconds);
    Uni<RowSet<Row>> claimed = !distributed
        ? connection.preparedQuery(CLAIM).execute(due)
        : connection.preparedQuery(OLDEST_DUE_CLIENT).execute(due).flatMap(oldest -> oldest.size() == 0
            ? Uni.createFrom().item(oldest)
            : connection.preparedQuery(CLAIM_CLIENT).execute(Tuple.of(graceSeconds, chunkSize, retrySeconds,
                oldest.iterator().next().getString(0))));
    return claimed.flatMap(rows -> reprocessor.reprocess(connection, StoredRawRows.from(rows), JOB));
  }
}
