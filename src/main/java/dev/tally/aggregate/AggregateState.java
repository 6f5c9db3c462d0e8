package dev.tally.aggregate;

import java.time.Instant;

/**
 * What every replica answers with: the view's generation (one more per refresh that ran) and asOf (every
 * event committed before it is in the view).
 */
public record AggregateState(long generation, Instant asOf) {}
