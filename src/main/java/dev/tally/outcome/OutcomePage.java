package dev.tally.outcome;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * The body of GET /outcomes: every raw row committed before {@code asOf} is counted. {@code from} and {@code to}
 * are the range covered (the defaults filled in); {@code truncated} says more buckets matched than the limit.
 */
@RegisterForReflection
public record OutcomePage(Instant asOf, String granularity, String tz, Instant from, Instant to, List<OutcomeBucket> buckets,
    boolean truncated, List<RejectionCode> rejections) {}
