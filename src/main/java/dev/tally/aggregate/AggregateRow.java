package dev.tally.aggregate;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.math.BigDecimal;
import java.time.Instant;

/** One bucket of one client's metric; {@code bucket} is absent for granularity total. Decimals are exact. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AggregateRow(String clientId, String metric, Instant bucket, long count, BigDecimal sum, BigDecimal min,
    BigDecimal max, BigDecimal avg) {}
