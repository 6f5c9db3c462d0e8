package dev.tally.support;

import java.net.URL;

/**
 * The management interface's port (health, metrics, OpenAPI). In @QuarkusTest it is the random test port
 * Quarkus injects as {@code @TestHTTPResource(value = "/", management = true)}; the packaged application of
 * the *IT runs listens where failsafe told it to (QUARKUS_MANAGEMENT_PORT, a port reserved by the build, also
 * passed as the system property {@value #PROPERTY}).
 */
public final class ManagementPort {

  static final String PROPERTY = "test.management-port";

  private ManagementPort() {}

  public static int of(URL injected) {
    String packaged = System.getProperty(PROPERTY);
    return packaged != null && !packaged.isBlank() ? Integer.parseInt(packaged) : injected.getPort();
  }
}
