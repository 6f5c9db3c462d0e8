package dev.tally.mapping;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import dev.tally.support.SecondInstance;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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

      Instant deadline = Instant.now().plusSeconds(10);
      int status;
      int attempt = 0;
      do {
        Thread.sleep(100);
        status = given().port(other.port()).contentType(ContentType.JSON).body(legacy(client, "b" + attempt++)).post("/events")
            .then().extract().statusCode();
      } while (status != 201 && Instant.now().isBefore(deadline));

      assertThat(status).as("the other instance accepts with the new mapping").isEqualTo(201);
      assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ? AND mapping_version = 1", client)).isEqualTo(1);
    }
  }

  private static String legacy(String client, String eventId) {
    return "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"price\":7,\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\""
        + eventId + "\"}";
  }
}
