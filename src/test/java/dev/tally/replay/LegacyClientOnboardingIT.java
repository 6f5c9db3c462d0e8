package dev.tally.replay;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link LegacyClientOnboardingTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class LegacyClientOnboardingIT extends LegacyClientOnboardingTest {}
