package dev.tally.mapping;

import java.time.Instant;

/** One stored, immutable version of a client's mapping. */
public record MappingVersion(String clientId, int version, Instant createdAt, MappingDefinition definition) {}
