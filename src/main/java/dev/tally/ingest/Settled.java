package dev.tally.ingest;

/**
 * The final status of a raw row: accepted, duplicate, conflict or rejected; {@code originalRawId} is the raw row whose
 * event this one matched (null for rejected rows).
 */
public record Settled(long rawId, RawStatus status, Long originalRawId) {}
