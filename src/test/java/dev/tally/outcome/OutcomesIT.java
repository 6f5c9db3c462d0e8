package dev.tally.outcome;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link OutcomesTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class OutcomesIT extends OutcomesTest {}
