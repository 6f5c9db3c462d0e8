package dev.tally.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The allowed-origins rules (Origins) and the @Path templates BrowserCors matches, without HTTP. */
class OriginsTest {

  private static final List<String> ALLOWED = Origins.check(List.of("https://shop.example.com", "http://localhost:3000",
      "https://*.example.org")).origins();

  @ParameterizedTest(name = "Origin {0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      https://shop.example.com          | true
      HTTPS://SHOP.example.com:443      | true
      http://shop.example.com           | false
      https://shop.example.com:8443     | false
      http://localhost:3000             | true
      http://localhost:3001             | false
      https://a.example.org             | true
      https://a.b.example.org           | true
      https://example.org               | false
      https://a.example.org:444         | false
      https://evil.com/.example.org     | false
      https://a.example.org.evil.com    | false
      null                              | false
      https://*.example.org             | false
      ''                                | false
      """)
  void anOriginIsAllowedOnlyWhenTheKeyListsIt(String origin, boolean allowed) {
    assertThat(Origins.allows(ALLOWED, origin)).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      https://shop.example.com        | ''
      http://127.0.0.1:8080           | ''
      https://*.example.com:8443      | ''
      https://shop.example.com/       | has a path, query or fragment; an origin is scheme://host[:port] only
      *                               | has a wildcard elsewhere than as the first label (https://*.example.com is the one wildcard form)
      https://a.*.example.com         | has a wildcard elsewhere than as the first label (https://*.example.com is the one wildcard form)
      https://*.com                   | wildcards a top-level domain; give at least https://*.example.com
      file://x                        | must start with https:// or http://
      https://user@shop.example.com   | is not an origin such as https://shop.example.com (scheme://host[:port])
      """)
  void entriesAreOriginsOrSayWhyNot(String entry, String problem) {
    assertThat(Origins.problem(entry)).isEqualTo(problem.isEmpty() ? null : problem);
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource(delimiter = ';', textBlock = """
      /v1/{route: batch|import|b} ; /v1/b ; true
      /v1/{route: batch|import|b} ; /v1/batch/ ; true
      /v1/{route: batch|import|b} ; /v1/bat ; false
      //{route: capture|e|i/v0/e} ; /i/v0/e/ ; true
      /v1/projects/{writeKey}/settings ; /v1/projects/k/settings ; true
      /v1/projects/{writeKey}/settings ; /v1/projects/a/b/settings ; false
      /k/{key}/com.snowplowanalytics.snowplow/tp2 ; /k/x/com.snowplowanalytics.snowplow/tp2 ; true
      /k/{key}/com.snowplowanalytics.snowplow/tp2 ; /k/x/comXsnowplowanalytics.snowplow/tp2 ; false
      /events/ ; /events ; true
      /events/ ; /events/x ; false
      """)
  void pathTemplatesMatchAsQuarkusRestRoutesThem(String template, String path, boolean matches) {
    assertThat(PathTemplates.regex(template).matcher(path).matches()).isEqualTo(matches);
  }
}
