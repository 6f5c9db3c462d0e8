package dev.tally.ingest;

/**
 * The final status of a raw row: {@code accepted}, {@code duplicate}, {@code conflict} or {@code rejected};
 * {@code originalRawId} is the raw row whose event this one matched (null for rejected rows).
 */
public record Settled(long rawId, String status, Long originalRawId) {}
