package dev.tally.replay;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link ReplayTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class ReplayIT extends ReplayTest {}
