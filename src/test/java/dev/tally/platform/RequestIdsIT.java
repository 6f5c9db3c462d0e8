package dev.tally.platform;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The request-id behaviour, against the packaged application. */
@QuarkusIntegrationTest
class RequestIdsIT extends RequestIdsTest {}
