package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/** Reruns {@link DatabaseUnavailableTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
@TestProfile(DatabaseUnavailableTest.UnreachableDatabase.class)
class DatabaseUnavailableIT extends DatabaseUnavailableTest {}
