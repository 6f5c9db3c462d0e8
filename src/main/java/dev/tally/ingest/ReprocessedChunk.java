package dev.tally.ingest;

import java.util.ArrayList;
import java.util.List;

/** A chunk of raw rows after reprocessing: the rows that settled (or were left as they were) and those that could not be. */
public record ReprocessedChunk(List<Reprocessed> done, List<Unsettled> failed) {

  static final ReprocessedChunk EMPTY = new ReprocessedChunk(List.of(), List.of());

  /** How many rows the chunk held. */
  public int size() {
    return done.size() + failed.size();
  }

  /** The largest raw id of the chunk (0 when empty): where a keyset cursor over raw ids goes on. */
  public long lastRawId() {
    long last = 0;
    for (Reprocessed r : done) {
      last = Math.max(last, r.row().id());
    }
    for (Unsettled u : failed) {
      last = Math.max(last, u.row().id());
    }
    return last;
  }

  ReprocessedChunk plus(ReprocessedChunk other) {
    return new ReprocessedChunk(concat(done, other.done), concat(failed, other.failed));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    List<T> all = new ArrayList<>(a.size() + b.size());
    all.addAll(a);
    all.addAll(b);
    return all;
  }
}
