package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Content-Type header the server cannot parse as a media type is no reason to refuse a body that parses as JSON
 * (the contract: a missing or wrong Content-Type is still accepted), nor to lose it: SDKs drop a whole batch on
 * any 4xx. Each spelling is answered as a good Content-Type would be, and stored with the header exactly as sent.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class UnparsableContentTypeTest {


  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"json", "text", "application/json, text/plain", "garbage", "application/", "/json", "a/b/c",
      "application/json; charset", "application/json;;", "\"application/json\""})
  void eventsWithAnUnparsableContentTypeAreIngested(String contentType) {
    String client = newClientId("ctype");
    as(contentType, given()).body(bytes(event(client, "m", "1", "2024-01-01T00:00:00Z"))).post("/events")
        .then().statusCode(201).body("status", equalTo("accepted"));
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE client_id = ?", client)).containsEntry("status", "accepted");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"json", "application/json, text/plain", "garbage"})
  void eventsWithAnUnparsableContentTypeAreStoredWithTheHeaderAsSent(String contentType) {
    String client = newClientId("ctype-as-sent");
    as(contentType, given()).body(bytes(event(client, "m", "1", "2024-01-01T00:00:00Z"))).post("/events")
        .then().statusCode(201);
    assertThat(TestDb.one("SELECT content_type FROM raw_events WHERE client_id = ?", client)).containsEntry("content_type", contentType);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"json", "text", "application/json, text/plain", "garbage", "application/", "/json", "a/b/c",
      "application/json; charset", "application/json;;", "\"application/json\""})
  void sdkBatchesWithAnUnparsableContentTypeAreIngestedAndStoredAsSent(String contentType) {
    String client = newClientId("ctype-sdk");
    String batch = "{\"batch\":[{\"type\":\"track\",\"event\":\"m\",\"messageId\":\"" + client + "\"}]}";
    as(contentType, given().header("Authorization", "Bearer " + Keys.ingestKey(client))).body(bytes(batch)).post("/v1/batch")
        .then().statusCode(200).body("success", equalTo(true)).body("rejected", equalTo(1));
    assertThat(TestDb.one("SELECT content_type, status FROM raw_events WHERE client_id = ?", client))
        .containsEntry("content_type", contentType).containsEntry("status", "rejected");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"json", "application/json, text/plain", "garbage"})
  void aJsonRouteAnswersAnUnparsableContentTypeWith415AndCreatesNothing(String contentType) {
    String client = newClientId("ctadmin");
    long keys = TestDb.count("SELECT count(*) FROM api_keys");

    as(contentType, given()).body(bytes("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"]}")).post("/keys")
        .then().statusCode(415).contentType("application/problem+json");

    assertThat(TestDb.count("SELECT count(*) FROM api_keys")).isEqualTo(keys);
  }

  /** The header exactly as given: RestAssured must neither add a charset nor refuse a type it does not know. */
  private static RequestSpecification as(String contentType, RequestSpecification spec) {
    return spec.config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
            .appendDefaultContentCharsetToContentTypeIfUndefined(false)
            .encodeContentTypeAs(contentType, ContentType.BINARY)))
        .header("Content-Type", contentType);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
