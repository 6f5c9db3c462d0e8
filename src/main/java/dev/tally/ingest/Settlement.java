package dev.tally.ingest;

import dev.tally.normalize.Normalization;

/** A stored raw row and what normalization made of it, ready to be written in one transaction. */
record Settlement(long rawId, Normalization normalization) {}
