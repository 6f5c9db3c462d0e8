package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link BatchIngestTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class BatchIngestIT extends BatchIngestTest {}
