package dev.tally.ingest;

import dev.tally.normalize.Normalization;

/**
 * A stored raw row and what normalization made of it, ready to be written in one transaction. {@code rawClientId} is
 * the client the raw row is filed under (null: none could be known), which places it on its shard under Citus.
 */
record Settlement(long rawId, String rawClientId, Normalization normalization) {}
