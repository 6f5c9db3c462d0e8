package dev.tally.platform;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A JSON request body that is malformed or of the wrong shape is a 400 problem naming every problem, never an empty 400 or a 500. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class RequestBodyProblemsTest {

  static Stream<Arguments> badKeyRequests() {
    return Stream.of(
        Arguments.of("{\"role\":\"read\",\"clientIds\":[null]}", "clientIds[0] must be a string"),
        Arguments.of("{\"role\":\"read\",\"clientIds\":[\"a\",7]}", "clientIds[1] must be a string"),
        Arguments.of("{\"role\":\"read\",\"allClients\":\"yes\"}", "allClients must be true or false"),
        Arguments.of("[]", "the body must be a JSON object"),
        Arguments.of("\"read\"", "the body must be a JSON object"),
        Arguments.of("{\"role\":\"admin\",\"burst\":1.5}", "burst must be a whole number"),
        Arguments.of("{\"role\":\"admin\",\"requestsPerSecond\":99999999999}", "requestsPerSecond must be a whole number"),
        Arguments.of("{\"Role\":\"admin\"}", "did you mean role"),
        Arguments.of("{\"role\":\"admin\",\"clientIDs\":[\"a\"]}", "did you mean clientIds"));
  }

  @ParameterizedTest
  @MethodSource("badKeyRequests")
  void aBadKeyRequestNamesItsProblemAndCreatesNothing(String body, String problem) {
    long keys = TestDb.count("SELECT count(*) FROM api_keys");
    given().contentType(ContentType.JSON).body(body).post("/keys")
        .then().statusCode(400).contentType("application/problem+json").body("errors", hasItem(containsString(problem)));
    assertThat(TestDb.count("SELECT count(*) FROM api_keys")).isEqualTo(keys);
  }

  @Test
  void everyProblemOfABodyIsNamedAtOnce() {
    given().contentType(ContentType.JSON).body("{\"role\":7,\"clientIds\":\"a\",\"allClients\":\"no\",\"colour\":\"red\"}").post("/keys")
        .then().statusCode(400)
        .body("errors", hasItem(containsString("role must be a string")))
        .body("errors", hasItem(containsString("clientIds must be a list of strings")))
        .body("errors", hasItem(containsString("allClients must be true or false")))
        .body("errors", hasItem(containsString("unknown field \"colour\"")));
  }

  @Test
  void aBadReplayRequestNamesItsProblems() {
    String client = newClientId("replay-shape");
    given().contentType(ContentType.JSON).body("{\"clientId\":\"" + client + "\",\"statuses\":\"rejected\"}").post("/replays")
        .then().statusCode(400).contentType("application/problem+json").body("errors", hasItem(containsString("statuses must be a list")));
    given().contentType(ContentType.JSON).body("[]").post("/replays")
        .then().statusCode(400).body("errors", hasItem(containsString("the body must be a JSON object")));
    assertThat(TestDb.count("SELECT count(*) FROM replays WHERE client_id = ?", client)).isZero();
  }

  @Test
  void aMalformedJsonBodyIsAProblemInTheClientsTerms() {
    String client = newClientId("malformed");
    for (String path : new String[] {"/clients/" + client + "/mapping", "/keys", "/replays"}) {
      boolean put = path.startsWith("/clients");
      var request = given().contentType(ContentType.JSON).body("{\"fields\": {\"amount\": \"/price\",}");
      ValidatableResponse answer = (put ? request.put(path) : request.post(path)).then();
      answer.statusCode(400).contentType("application/problem+json")
          .body("detail", containsString("line 1"))
          .body("detail", not(containsString("Source:")))
          .body("detail", not(containsString("REDACTED")))
          .body("detail", not(containsString("StreamReadFeature")));
    }
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id = ?", client)).isZero();
  }
}
