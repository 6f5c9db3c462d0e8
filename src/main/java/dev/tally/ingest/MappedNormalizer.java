package dev.tally.ingest;

import dev.tally.mapping.MappingService;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import dev.tally.normalize.ParsedEvent;
import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pure normalizer with each client's current mapping, the mappings of a whole batch looked up at once. Requests
 * ({@link IngestService}) and reprocessing ({@link Reprocessor}: recovery, replays) both normalize through here.
 *
 * <p>Normalizing is CPU work without I/O, bounded per event (numbers are bounded before any arithmetic), but a batch
 * of 1000 mapped events took 35-230 ms warm (1.3 s cold) on a busy 2-core machine, and an event loop serves many
 * connections. Above {@code tally.normalize.event-loop-max-events} the batch runs on the worker pool through the
 * caller's own Vert.x context ({@code executeBlocking}): the answer comes back on that context, so what follows
 * (settling in the database, within the reprocessor's transaction too) runs where it would have run, on the same
 * connection's event loop. Mutiny's emitOn/runSubscriptionOn would instead carry the rest of the pipeline onto the
 * pool thread. Small batches, the usual single event, stay inline: the hop to the pool costs about 0.1 ms, about as much as
 * normalizing one event, so 16 events inline keep an event loop busy for a few milliseconds at most.
 */
@ApplicationScoped
public class MappedNormalizer {

  @Inject Normalizer normalizer;
  @Inject MappingService mappings;
  @Inject TallyConfig config;

  /** One event to normalize: its client (null: none can be read, the default rules apply) and the clock's "now". */
  public record Job(ParsedEvent event, String clientId, Instant now) {}

  /** One normalization per job, in order. */
  public Uni<List<Normalization>> normalize(List<Job> jobs) {
    Set<String> clients = new HashSet<>();
    for (Job job : jobs) {
      if (job.clientId() != null) {
        clients.add(job.clientId());
      }
    }
    return mappings.mappingsFor(clients).flatMap(byClient -> {
      Context context = Vertx.currentContext();
      if (jobs.size() <= config.normalize().eventLoopMaxEvents() || context == null || !Context.isOnEventLoopThread()) {
        return Uni.createFrom().item(normalizeAll(jobs, byClient));
      }
      return Uni.createFrom().completionStage(() -> context.executeBlocking(() -> normalizeAll(jobs, byClient), false).toCompletionStage());
    });
  }

  private List<Normalization> normalizeAll(List<Job> jobs, Map<String, Mapping> byClient) {
    List<Normalization> normalizations = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      Mapping mapping = job.clientId() == null ? Mapping.DEFAULT : byClient.getOrDefault(job.clientId(), Mapping.DEFAULT);
      normalizations.add(normalizer.normalize(job.event(), mapping, job.now()));
    }
    return normalizations;
  }
}
