package dev.tally.ingest;

/**
 * A stored raw row that could not be settled: its normalization threw, or the database refused one of its
 * statements. It keeps the status it had (pending rows stay pending) and is marked with {@code error}.
 */
public record Unsettled(StoredRaw row, String error) {}
