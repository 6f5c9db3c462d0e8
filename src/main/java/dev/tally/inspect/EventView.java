package dev.tally.inspect;

import dev.tally.normalize.CanonicalEvent;
import java.time.Instant;
import java.util.List;

/**
 * A stored canonical event: {@code rawId} is the raw row that created it, {@code rawIds} every raw row that
 * resolved to it (the original and its retries, not conflicting ones), oldest first.
 */
public record EventView(
    String clientId,
    String fingerprint,
    CanonicalEvent event,
    int mappingVersion,
    long rawId,
    List<Long> rawIds,
    Instant createdAt) {}
