package dev.tally.security;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tally.security.enabled=false: every request is served without a key, and raw rows have no key id. */
@QuarkusTest
@TestProfile(SecurityDisabledTest.Disabled.class)
class SecurityDisabledTest {

  public static class Disabled implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("tally.security.enabled", "false");
    }
  }

  @Test
  void requestsWithoutAKeyAreServedAndRecordNoKey() {
    String client = newClientId("open");
    given().header(AdminKey.ANONYMOUS, "true").contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z"))
        .post("/events").then().statusCode(201);
    given().header(AdminKey.ANONYMOUS, "true").get("/keys").then().statusCode(200);
    assertThat(TestDb.one("SELECT key_id FROM raw_events WHERE client_id = ?", client).get("key_id")).isNull();
  }
}
