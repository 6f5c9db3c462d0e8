package dev.tally.security;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link SecurityTest} against the packaged application (prod profile, key from the environment). */
@QuarkusIntegrationTest
class SecurityIT extends SecurityTest {}
