package dev.tally.aggregate;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * The body of GET /aggregates. Every event committed before {@code asOf} is counted. {@code truncated} says
 * that more rows matched than {@code limit}: narrow the filters or raise the limit.
 */
@RegisterForReflection
@JsonSerialize(using = AggregatePageSerializer.class)
public record AggregatePage(Instant asOf, String granularity, List<AggregateRow> rows, boolean truncated) {}
