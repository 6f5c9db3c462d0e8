package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link HostileNumbersTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class HostileNumbersIT extends HostileNumbersTest {}
