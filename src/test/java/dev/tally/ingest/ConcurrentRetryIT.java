package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link ConcurrentRetryTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class ConcurrentRetryIT extends ConcurrentRetryTest {}
