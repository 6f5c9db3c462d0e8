package dev.tally.mapping;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A mapping preset for an analytics SDK's wire format, as GET /mapping-presets shows it: {@code definition} is the
 * base without an amount, which the operator names when saving a mapping with the preset ({@code note} says how).
 */
@RegisterForReflection
public record MappingPreset(String name, String description, MappingDefinition definition, String note) {}
