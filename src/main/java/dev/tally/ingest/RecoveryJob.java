package dev.tally.ingest;

import dev.tally.platform.TallyConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Finishes raw rows whose normalization never completed (the process died, or the database went away,
 * between the raw commit and the settle transaction). Rows are claimed with FOR UPDATE SKIP LOCKED in
 * bounded chunks, so any number of replicas can run it, and are settled exactly as the request would have
 * settled them. Runs at startup and every {@code tally.recovery.interval}.
 */
@ApplicationScoped
public class RecoveryJob {

  private static final Logger LOG = Logger.getLogger(RecoveryJob.class);

  private static final String CLAIM = "SELECT " + Reprocessor.STORED_COLUMNS
      + " FROM raw_events"
      + " WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)"
      + " ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED";

  @Inject Pool pool;
  @Inject Reprocessor reprocessor;
  @Inject TallyConfig config;

  @Scheduled(every = "${tally.recovery.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> scheduled() {
    TallyConfig.Recovery recovery = config.recovery();
    return recover(recovery.grace(), recovery.chunkSize(), recovery.maxChunksPerRun())
        .invoke(count -> {
          if (count > 0) {
            LOG.infof("Recovered %d pending raw events", count);
          }
        })
        .onFailure().invoke(e -> LOG.warnf("Recovery run failed, will retry next interval: %s", e.toString()))
        .onFailure().recoverWithNull()
        .replaceWithVoid();
  }

  /** Settles pending rows older than {@code grace}; returns how many it settled. */
  public Uni<Integer> recover(Duration grace, int chunkSize, int maxChunks) {
    return recoverChunks(grace, chunkSize, maxChunks, 0);
  }

  private Uni<Integer> recoverChunks(Duration grace, int chunkSize, int chunksLeft, int doneSoFar) {
    if (chunksLeft == 0) {
      return Uni.createFrom().item(doneSoFar);
    }
    return pool.withTransaction(connection -> recoverChunk(connection, grace, chunkSize))
        .flatMap(done -> done < chunkSize
            ? Uni.createFrom().item(doneSoFar + done)
            : recoverChunks(grace, chunkSize, chunksLeft - 1, doneSoFar + done));
  }

  private Uni<Integer> recoverChunk(SqlConnection connection, Duration grace, int chunkSize) {
    double graceSeconds = grace.toMillis() / 1000.0;
    return connection.preparedQuery(CLAIM).execute(Tuple.of(graceSeconds, chunkSize))
        .flatMap(rows -> reprocessor.reprocess(connection, Reprocessor.stored(rows)))
        .map(List::size);
  }
}
