package dev.tally.replay;

/** What one chunk of a replay did; added to the replay's counters in the chunk's own transaction. */
record ChunkProgress(long lastRawId, int processed, int accepted, int duplicates, int rejected, int conflicts, int failed) {

  /** No rows left in scope: the replay succeeded. */
  static final ChunkProgress DONE = new ChunkProgress(-1, 0, 0, 0, 0, 0, 0);

  /** The replay is no longer running (cancelled): the runner stops without a chunk. */
  static final ChunkProgress STOPPED = new ChunkProgress(-2, 0, 0, 0, 0, 0, 0);
}
