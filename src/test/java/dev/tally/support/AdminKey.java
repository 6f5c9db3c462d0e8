package dev.tally.support;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every request of an HTTP test carries the tests' admin key unless it names a key itself, so tests about
 * behaviour stay about behaviour. The key is a fixed test value (pom.xml, test.tally-admin-key): %test installs
 * it as the bootstrap admin key, and failsafe hands it to the packaged application as
 * TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY. A request with the {@value #ANONYMOUS} header goes out without any key.
 */
public final class AdminKey implements BeforeAllCallback {

  public static final String KEY = System.getProperty("test.tally-admin-key", "tally-test-admin-key-not-a-secret-0123456789abcdef");

  /** Marks a request to be sent without a key; the header itself is removed before sending. */
  public static final String ANONYMOUS = "X-Test-Anonymous";

  @Override
  public void beforeAll(ExtensionContext context) {
    RestAssured.replaceFiltersWith(List.of(new AddKey()));
  }

  private static final class AddKey implements Filter {
    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response, FilterContext context) {
      if (request.getHeaders().hasHeaderWithName(ANONYMOUS)) {
        request.removeHeader(ANONYMOUS);
      } else if (!request.getHeaders().hasHeaderWithName("Authorization") && !request.getHeaders().hasHeaderWithName("X-Api-Key")) {
        request.header("Authorization", "Bearer " + KEY);
      }
      return context.next(request, response);
    }
  }
}
