package dev.tally.mapping;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link MappingResourceTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class MappingResourceIT extends MappingResourceTest {}
