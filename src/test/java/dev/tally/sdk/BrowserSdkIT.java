package dev.tally.sdk;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Reruns {@link BrowserSdkTest} against the packaged application (prod profile). */
@QuarkusIntegrationTest
class BrowserSdkIT extends BrowserSdkTest {}
