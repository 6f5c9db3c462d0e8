package dev.tally.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.tally.support.AdminKey;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dashboard's static files: public (no key: they hold no data), served with their security headers, and free of
 * anything the CSP would have to allow (inline scripts, inline styles, event-handler attributes, other origins).
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class DashboardTest {

  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; frame-ancestors 'none'";

  @Test
  void theBarePathRedirectsToTheIndexWhichNeedsNoKey() {
    given().header(AdminKey.ANONYMOUS, "yes").redirects().follow(false).get("/dashboard").then().statusCode(301).header("Location", "/dashboard/")
        .header("Content-Security-Policy", containsString(CSP));
    given().header(AdminKey.ANONYMOUS, "yes").get("/dashboard/").then().statusCode(200).contentType(containsString("text/html"))
        .body(containsString("<script type=\"module\" src=\"js/main.js\"></script>"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/dashboard/", "/dashboard/index.html", "/dashboard/app.css", "/dashboard/js/main.js",
      "/dashboard/js/api.js", "/dashboard/js/chart.js", "/dashboard/js/dom.js", "/dashboard/js/time.js"})
  void everyFileIsServedPubliclyWithTheSecurityHeaders(String path) {
    given().header(AdminKey.ANONYMOUS, "yes").get(path).then().statusCode(200)
        .header("Content-Security-Policy", containsString(CSP))
        .header("X-Frame-Options", equalTo("DENY"))
        .header("X-Content-Type-Options", equalTo("nosniff"))
        .header("Referrer-Policy", equalTo("no-referrer"))
        .header("Cache-Control", equalTo("no-cache"));
  }

  @Test
  void aMissingFileIsA404AndTheApiKeepsItsOwnRules() {
    given().get("/dashboard/nothing-here.js").then().statusCode(404);
    // The data behind the page needs a key like any API call.
    given().header(AdminKey.ANONYMOUS, "yes").get("/session").then().statusCode(401).header("Content-Security-Policy", nullValue());
  }

  @Test
  void thePageNeedsNothingTheCspWouldRefuse() throws IOException {
    String html = resource("index.html");
    Matcher scripts = Pattern.compile("<script([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(html);
    int count = 0;
    while (scripts.find()) {
      count++;
      assertThat(scripts.group(1)).as("every script is a file").contains("src=");
      assertThat(scripts.group(2)).as("no inline script").isBlank();
    }
    assertThat(count).isEqualTo(1);
    for (String file : List.of("index.html", "js/main.js", "js/api.js", "js/chart.js", "js/dom.js", "js/time.js")) {
      String text = resource(file);
      assertThat(text).as(file + ": no inline style, no handler attribute, no other origin")
          .doesNotContain("style=").doesNotContain("<style").doesNotContainPattern("\\son[a-z]+=\"")
          .doesNotContain("innerHTML").doesNotContain("eval(").doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)");
    }
    assertThat(resource("js/api.js")).as("the key is kept for the tab only").contains("sessionStorage").doesNotContain("localStorage");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = DashboardTest.class.getResourceAsStream("/META-INF/resources/dashboard/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
