package dev.tally.mapping;

import java.util.List;

/** Every version of a client's mapping, oldest first. */
public record MappingVersions(String clientId, List<MappingVersion> versions) {}
