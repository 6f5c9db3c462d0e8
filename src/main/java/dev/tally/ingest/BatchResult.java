package dev.tally.ingest;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * The answer to a batch: counts per outcome and one result per element, in order. Elements that are not
 * JSON at all (an NDJSON line) count as rejected; their result's status says {@code unparseable}.
 */
@RegisterForReflection
public record BatchResult(int accepted, int duplicates, int rejected, int conflicts, List<EventResult> results) {

  static BatchResult of(List<EventResult> results) {
    int accepted = 0;
    int duplicates = 0;
    int rejected = 0;
    int conflicts = 0;
    for (EventResult r : results) {
      switch (r.status()) {
        case EventResult.ACCEPTED -> accepted++;
        case EventResult.DUPLICATE -> duplicates++;
        case EventResult.CONFLICT -> conflicts++;
        default -> rejected++;
      }
    }
    return new BatchResult(accepted, duplicates, rejected, conflicts, List.copyOf(results));
  }
}
