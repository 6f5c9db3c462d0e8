package dev.tally.mapping;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link MappingPresetResourceTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class MappingPresetResourceIT extends MappingPresetResourceTest {}
