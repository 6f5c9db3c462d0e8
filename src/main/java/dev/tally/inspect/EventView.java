package dev.tally.inspect;

import dev.tally.normalize.CanonicalEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * A stored canonical event: {@code rawId} is the raw row that created it, {@code rawIds} every raw row that
 * resolved to it (the original and its retries, not conflicting ones), oldest first. Registers the
 * {@link CanonicalEvent} it carries for reflection as well, since normalize stays free of Quarkus annotations.
 */
@RegisterForReflection(targets = {EventView.class, CanonicalEvent.class})
public record EventView(
    String clientId,
    String fingerprint,
    CanonicalEvent event,
    int mappingVersion,
    long rawId,
    List<Long> rawIds,
    Instant createdAt) {}
