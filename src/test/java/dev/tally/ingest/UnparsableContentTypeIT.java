package dev.tally.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link UnparsableContentTypeTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class UnparsableContentTypeIT extends UnparsableContentTypeTest {}
