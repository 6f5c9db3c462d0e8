package dev.tally.mapping;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** Every version of a client's mapping, oldest first. */
@RegisterForReflection
public record MappingVersions(String clientId, List<MappingVersion> versions) {}
