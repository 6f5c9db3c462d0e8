package dev.tally.aggregate;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import dev.tally.support.TestDb;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;

/** The HTTP calls of the aggregates tests (with the admin key of {@code AdminKey}). */
final class AggregateCalls {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private AggregateCalls() {}

  /** Posts each event (201), refreshes, and waits until the client has no invalidation left. */
  static void post(String client, String... events) {
    for (String body : events) {
      given().contentType(ContentType.JSON).body(body).post("/events").then().statusCode(201);
    }
    given().post("/aggregates/refresh").then().statusCode(200);
    await().atMost(TIMEOUT).until(() -> TestDb.count("SELECT count(*) FROM aggregate_invalidations WHERE client_id = ?", client) == 0);
  }

  /** GET /aggregates with the query parameters given as name, value pairs; must answer 200. */
  static JsonPath aggregates(String... pairs) {
    RequestSpecification request = given();
    for (int i = 0; i < pairs.length; i += 2) {
      request.queryParam(pairs[i], pairs[i + 1]);
    }
    return request.get("/aggregates").then().statusCode(200).extract().jsonPath();
  }
}
