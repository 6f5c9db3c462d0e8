package dev.tally.security;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.SecondInstance;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A key revoked on one replica is refused by another within seconds: the second instance caches key lookups
 * for an hour, so only the NOTIFY it receives can explain it refusing the key.
 */
@QuarkusIntegrationTest
@ExtendWith(AdminKey.class)
class KeyRevocationIT {

  @Test
  void aSecondInstanceRefusesARevokedKeyThroughNotify() throws Exception {
    String client = newClientId("revoke");
    try (SecondInstance other = SecondInstance.start(Map.of("TALLY_SECURITY_KEY_CACHE_TTL", "1h"), Duration.ofSeconds(90))) {
      var created = Keys.create("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"]}");
      String key = created.getString("key");
      // The other instance learns the key, and caches it for an hour.
      post(other.port(), key, 1).then().statusCode(201);

      given().delete("/keys/" + created.getString("id")).then().statusCode(200);

      AtomicInteger attempt = new AtomicInteger(2);
      await("the other instance refusing the revoked key").atMost(Duration.ofSeconds(10))
          .until(() -> post(other.port(), key, attempt.getAndIncrement()).then().extract().statusCode() == 401);
    }
  }

  private static io.restassured.response.Response post(int port, String key, int n) {
    return given().port(port).header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
        .body(event(null, "m", String.valueOf(n), "2024-01-01T00:00:00Z").replace("\"clientId\":\"null\",", "")).post("/events");
  }
}
