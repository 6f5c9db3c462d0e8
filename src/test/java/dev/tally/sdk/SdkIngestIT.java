package dev.tally.sdk;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link SdkIngestTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class SdkIngestIT extends SdkIngestTest {}
