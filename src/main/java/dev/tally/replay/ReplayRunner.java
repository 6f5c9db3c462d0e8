package dev.tally.replay;

import dev.tally.ingest.IsolatedReprocessor;
import dev.tally.ingest.Reprocessed;
import dev.tally.ingest.ReprocessedChunk;
import dev.tally.ingest.StoredRawRows;
import dev.tally.platform.DatabaseFailures;
import dev.tally.platform.TallyConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Runs replays in bounded chunks, one transaction each: claim the next raw rows after the cursor, normalize
 * them with the client's current mapping, settle them, and advance the cursor and counters — so a replay stopped
 * at any point resumes where its last committed chunk ended, and reruns are idempotent thanks to fingerprints.
 * Replays whose runner died (restart, lost replica) are resumed by whichever replica notices first.
 *
 * <p>A row that cannot be settled fails alone ({@link IsolatedReprocessor}): it keeps its status, is marked with its
 * error and counted {@code failed}, and the replay goes on. Only a transient failure (the database away) stops a
 * chunk, which is resumed later; any other failure outside the rows still ends the replay {@code failed}.
 */
@ApplicationScoped
public class ReplayRunner {

  private static final Logger LOG = Logger.getLogger(ReplayRunner.class);

  /** The metric tag and log wording of this job's settle failures. */
  static final String JOB = "replay";

  private final Set<Long> runningHere = ConcurrentHashMap.newKeySet();

  @Inject ReplayRepository replays;
  @Inject IsolatedReprocessor reprocessor;
  @Inject TallyConfig config;

  /** Starts running a replay in the background; returns at once. */
  void start(Replay replay) {
    if (!runningHere.add(replay.id())) {
      return;
    }
    run(replay, replay.cursorId())
        .eventually(() -> runningHere.remove(replay.id()))
        .subscribe().with(
            done -> LOG.infof("Replay %d of client %s finished", replay.id(), replay.clientId()),
            failure -> LOG.warnf("Replay %d of client %s stopped: %s", replay.id(), replay.clientId(), failure.toString()));
  }

  @Scheduled(every = "${tally.replay.resume-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> resumeStale() {
    return replays.claimStale(config.replay().staleAfter())
        .invoke(found -> found.ifPresent(replay -> {
          LOG.infof("Resuming replay %d of client %s after raw id %d", replay.id(), replay.clientId(), replay.cursorId());
          start(replay);
        }))
        .onFailure().invoke(e -> LOG.debugf("Could not look for stale replays: %s", e.toString()))
        .onFailure().recoverWithNull()
        .replaceWithVoid();
  }

  private Uni<Void> run(Replay replay, long after) {
    // Each chunk first locks the replay's row: a cancellation (POST /replays/{id}/cancel) waits for the chunk in
    // progress to commit, and the next chunk sees it and stops there.
    return reprocessor.withTransaction(connection -> replays.stillRunning(connection, replay.id())
            .flatMap(running -> !running
                ? Uni.createFrom().item(ChunkProgress.STOPPED)
                : replays.claimChunk(connection, replay, after, config.replay().chunkSize())
                    .flatMap(rows -> reprocessor.reprocess(connection, StoredRawRows.from(rows), JOB))
                    .flatMap(chunk -> {
                      if (chunk.size() == 0) {
                        return Uni.createFrom().item(ChunkProgress.DONE);
                      }
                      ChunkProgress progress = progress(chunk);
                      return replays.progress(connection, replay.id(), progress).replaceWith(progress);
                    })))
        .flatMap(progress -> {
          if (progress == ChunkProgress.STOPPED) {
            LOG.infof("Replay %d of client %s cancelled after raw id %d", replay.id(), replay.clientId(), after);
            return Uni.createFrom().voidItem();
          }
          return progress == ChunkProgress.DONE ? replays.succeed(replay.id()) : run(replay, progress.lastRawId());
        })
        .onFailure(failure -> !DatabaseFailures.isTransient(failure))
        .call(failure -> replays.fail(replay.id(), failure.toString()));
    // A transient failure (database away) leaves the replay running with its last committed cursor; it is
    // resumed once its heartbeat is stale.
  }

  /** What a chunk did; {@code accepted} counts only events this replay added. */
  static ChunkProgress progress(ReprocessedChunk chunk) {
    int accepted = 0;
    int duplicates = 0;
    int rejected = 0;
    int conflicts = 0;
    for (Reprocessed r : chunk.done()) {
      if (r.leftUnchanged()) {
        conflicts++;
        continue;
      }
      switch (r.settled().status()) {
        case ACCEPTED -> {
          if (r.row().counted()) {
            duplicates++;
          } else {
            accepted++;
          }
        }
        case DUPLICATE -> duplicates++;
        case CONFLICT -> conflicts++;
        default -> rejected++;
      }
    }
    return new ChunkProgress(chunk.lastRawId(), chunk.size(), accepted, duplicates, rejected, conflicts, chunk.failed().size());
  }
}
