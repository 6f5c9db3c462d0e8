package dev.tally.dashboard;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link DashboardTest} against the packaged application: the static files and headers as the jar serves them. */
@QuarkusIntegrationTest
class DashboardIT extends DashboardTest {}
