package dev.tally.platform;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every answer carries a request id: the caller's when it is plausible, a new one otherwise. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class RequestIdsTest {

  private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  @ParameterizedTest
  @ValueSource(strings = {"abc", "4bf92f3577b34da6a3ce929d0e0e4736", "req-42.retry_1:a"})
  void aPlausibleIdFromTheCallerIsKept(String id) {
    assertThat(given().header(RequestIds.HEADER, id).get("/aggregates").then().statusCode(200).extract().header(RequestIds.HEADER))
        .isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"has space", "new\\nline", "{\"json\":1}", "a;b", "0123456789012345678901234567890123456789012345678901234567890123456789"})
  void anythingElseIsReplacedByANewId(String id) {
    assertThat(given().header(RequestIds.HEADER, id).get("/aggregates").then().extract().header(RequestIds.HEADER))
        .matches(UUID);
  }

  @Test
  void refusalsAndUnknownRoutesCarryOneToo() {
    String refused = given().header(AdminKey.ANONYMOUS, "yes").contentType(ContentType.JSON).body("{}").post("/events")
        .then().statusCode(401).extract().header(RequestIds.HEADER);
    String unknown = given().get("/no-such-route").then().statusCode(404).extract().header(RequestIds.HEADER);
    assertThat(refused).matches(UUID);
    assertThat(unknown).matches(UUID).isNotEqualTo(refused);
  }
}
