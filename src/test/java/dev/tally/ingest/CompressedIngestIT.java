package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link CompressedIngestTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class CompressedIngestIT extends CompressedIngestTest {}
