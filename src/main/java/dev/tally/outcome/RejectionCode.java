package dev.tally.outcome;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * A rejection code (raw_events.reasons[].code) of rejected or unparseable raw rows received in the range: how many rows
 * carry it, the newest rows that were given it ({@code examples}, raw ids for GET /raw-events/{id}; a replay may
 * have settled one differently since) and the message of the newest.
 */
@RegisterForReflection
public record RejectionCode(String clientId, String code, long rows, List<Long> examples, String message) {}
