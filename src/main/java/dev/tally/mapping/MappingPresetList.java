package dev.tally.mapping;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** GET /mapping-presets: every preset, by name. */
@RegisterForReflection
public record MappingPresetList(List<MappingPreset> items) {}
