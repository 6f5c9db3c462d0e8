package dev.tally.aggregate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.math.BigDecimal;

/**
 * One bucket of one client's metric. {@code bucket} is its start, ISO-8601 with the offset of the query's zone
 * ({@code Z} in UTC); absent for granularity total. Decimals are exact, written plain ({@link Decimals}).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AggregateRow(String clientId, String metric, String bucket, long count,
    @JsonSerialize(using = Decimals.Serializer.class) BigDecimal sum,
    @JsonSerialize(using = Decimals.Serializer.class) BigDecimal min,
    @JsonSerialize(using = Decimals.Serializer.class) BigDecimal max,
    @JsonSerialize(using = Decimals.Serializer.class) BigDecimal avg) {}
