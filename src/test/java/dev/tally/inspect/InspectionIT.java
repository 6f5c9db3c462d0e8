package dev.tally.inspect;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link InspectionTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class InspectionIT extends InspectionTest {}
