package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link SingleEventIngestTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class SingleEventIngestIT extends SingleEventIngestTest {}
