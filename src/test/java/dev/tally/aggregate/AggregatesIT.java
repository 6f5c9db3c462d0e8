package dev.tally.aggregate;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link AggregatesTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class AggregatesIT extends AggregatesTest {}
