package dev.tally.platform;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.ManagementPort;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * /q/openapi is a document clients generate code from: every templated path segment must be a declared parameter, and
 * every operation requires an API key in one of the two schemes (declared once, in platform.OpenApiDefinition).
 */
@QuarkusTest
class OpenApiDocumentTest {

  private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]+)}");

  @TestHTTPResource(value = "/", management = true)
  URL management;

  @Test
  @SuppressWarnings("unchecked")
  void everyPathTemplateIsADeclaredPathParameter() {
    JsonPath document = given().port(ManagementPort.of(management)).queryParam("format", "json").get("/q/openapi")
        .then().statusCode(200).extract().jsonPath();
    Map<String, Map<String, Object>> paths = document.getMap("paths");
    List<String> undeclared = new ArrayList<>();
    paths.forEach((path, operations) -> operations.forEach((method, operation) -> {
      List<Map<String, Object>> parameters = ((Map<String, List<Map<String, Object>>>) operation).getOrDefault("parameters", List.of());
      Matcher template = TEMPLATE.matcher(path);
      while (template.find()) {
        String name = template.group(1);
        boolean declared = parameters.stream().anyMatch(p -> name.equals(p.get("name")) && "path".equals(p.get("in")));
        if (!declared) {
          undeclared.add(method.toUpperCase() + " " + path + ": {" + name + "}");
        }
      }
    }));
    assertThat(paths).containsKeys("/v1/{route}", "/{route}", "/events");
    assertThat(undeclared).isEmpty();
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyOperationRequiresAnApiKeyInEitherScheme() {
    JsonPath document = given().port(ManagementPort.of(management)).queryParam("format", "json").get("/q/openapi")
        .then().statusCode(200).extract().jsonPath();
    assertThat(document.getMap("components.securitySchemes")).containsOnlyKeys("bearer", "apiKeyHeader");
    assertThat(document.getString("components.securitySchemes.bearer.scheme")).isEqualTo("bearer");
    assertThat(document.getString("components.securitySchemes.apiKeyHeader.name")).isEqualTo("X-Api-Key");
    List<Map<String, List<String>>> global = document.getList("security");
    Map<String, Map<String, Object>> paths = document.getMap("paths");
    List<String> unguarded = new ArrayList<>();
    paths.forEach((path, operations) -> operations.forEach((method, operation) -> {
      List<Map<String, List<String>>> own = (List<Map<String, List<String>>>) ((Map<String, Object>) operation).get("security");
      List<Map<String, List<String>>> effective = own != null ? own : global;
      // Each alternative must name one of the schemes; an empty alternative ({}) would make the key optional.
      boolean guarded = effective != null && !effective.isEmpty() && effective.stream().allMatch(alternative ->
          !alternative.isEmpty() && alternative.keySet().stream().allMatch(s -> s.equals("bearer") || s.equals("apiKeyHeader")));
      if (!guarded) {
        unguarded.add(method.toUpperCase() + " " + path + ": " + effective);
      }
    }));
    assertThat(paths).isNotEmpty();
    assertThat(unguarded).isEmpty();
  }
}
