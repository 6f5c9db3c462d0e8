package dev.tally.mapping;

import java.util.List;

/** GET /mapping-presets: every preset, by name. */
public record MappingPresetList(List<MappingPreset> items) {}
