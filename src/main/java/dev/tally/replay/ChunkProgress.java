package dev.tally.replay;

/** What one chunk of a replay did; added to the replay's counters in the chunk's own transaction. */
record ChunkProgress(long lastRawId, int processed, int accepted, int duplicates, int rejected, int conflicts, int failed) {}
