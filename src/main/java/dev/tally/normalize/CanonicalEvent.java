package dev.tally.normalize;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * The strict internal contract every accepted event is reduced to. {@code amount} is exact with trailing
 * zeros stripped; {@code timestamp} has at most microsecond precision; {@code eventId} is null when the
 * client gave none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CanonicalEvent(String clientId, String metric, BigDecimal amount, Instant timestamp, String eventId) {}
