package dev.tally.mapping;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;

/** One stored, immutable version of a client's mapping. */
@RegisterForReflection
public record MappingVersion(String clientId, int version, Instant createdAt, MappingDefinition definition) {}
