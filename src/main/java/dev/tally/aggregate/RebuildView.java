package dev.tally.aggregate;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;

/**
 * A rebuild of the aggregates and its progress. {@code state} is {@code running}, {@code succeeded} or {@code failed};
 * {@code total} is the number of clients to recompute, {@code processed} those done, {@code events} the events counted
 * so far. A client's aggregates are replaced in one transaction, so readers see either its old or its new figures.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RebuildView(long id, String state, long total, long processed, long events, Instant startedAt,
    Instant finishedAt, String error) {}
