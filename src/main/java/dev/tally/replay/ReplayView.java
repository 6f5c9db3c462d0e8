package dev.tally.replay;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * A replay and its progress. {@code state} is {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}; counters
 * say what this replay did: {@code accepted} counts events it added, {@code duplicates} events already counted,
 * {@code failed} rows it could not settle (their normalization threw or the database refused them: each keeps its
 * status and shows the error on GET /raw-events as {@code settleError}). {@code processed} is their sum: a replay
 * that succeeded processed its whole {@code total}.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplayView(
    long id,
    String clientId,
    List<String> statuses,
    Instant from,
    Instant to,
    String state,
    long total,
    long processed,
    long accepted,
    long duplicates,
    long rejected,
    long conflicts,
    long failed,
    Instant startedAt,
    Instant finishedAt,
    String error) {}
