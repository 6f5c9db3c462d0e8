package dev.tally.sdk;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link KeyRedactionTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class KeyRedactionIT extends KeyRedactionTest {}
