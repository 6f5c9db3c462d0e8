package dev.tally.mapping;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.SecondInstance;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A mapping saved on one replica takes effect on another at once: the second instance's cache lives for an
 * hour, so only the NOTIFY it receives can explain it picking up the change.
 */
@QuarkusIntegrationTest
@ExtendWith(AdminKey.class)
class MappingInvalidationIT {

  @Test
  void aSecondInstancePicksUpANewMappingThroughNotify() throws Exception {
    String client = newClientId("notify");
    try (SecondInstance other = SecondInstance.start(Map.of("TALLY_MAPPINGS_CACHE_TTL", "1h"), Duration.ofSeconds(90))) {
      // The other instance normalizes with the default rules, and caches that this client has no mapping.
      given().port(other.port()).contentType(ContentType.JSON).body(legacy(client, "a")).post("/events")
          .then().statusCode(422);

      given().contentType(ContentType.JSON).body("{\"fields\":{\"amount\":\"/price\"}}").put("/clients/" + client + "/mapping")
          .then().statusCode(201);

      AtomicInteger attempt = new AtomicInteger();
      await("the other instance accepting with the new mapping").atMost(Duration.ofSeconds(10))
          .until(() -> given().port(other.port()).contentType(ContentType.JSON).body(legacy(client, "b" + attempt.getAndIncrement()))
              .post("/events").then().extract().statusCode() == 201);
      assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ? AND mapping_version = 1", client)).isEqualTo(1);
    }
  }

  private static String legacy(String client, String eventId) {
    return "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"price\":7,\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\""
        + eventId + "\"}";
  }
}
