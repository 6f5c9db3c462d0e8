package dev.tally.ingest;

import dev.tally.mapping.MappingService;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import dev.tally.normalize.ParsedEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure normalizer with each client's current mapping, the mappings of a whole batch looked up at once. Requests
 * ({@link IngestService}) and reprocessing ({@link Reprocessor}: recovery, replays) both normalize through here.
 */
@ApplicationScoped
public class MappedNormalizer {

  @Inject Normalizer normalizer;
  @Inject MappingService mappings;

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
    return mappings.mappingsFor(clients).map(byClient -> {
      List<Normalization> normalizations = new ArrayList<>(jobs.size());
      for (Job job : jobs) {
        Mapping mapping = job.clientId() == null ? Mapping.DEFAULT : byClient.getOrDefault(job.clientId(), Mapping.DEFAULT);
        normalizations.add(normalizer.normalize(job.event(), mapping, job.now()));
      }
      return normalizations;
    });
  }
}
