package dev.tally.sdk;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SDK routes against the real database, with the request bodies the real SDKs sent (captured by
 * src/test/sdk/capture.mjs; only the write key is swapped for a real ingest key). src/test/sdk/run.sh runs the
 * SDKs themselves.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class SdkIngestTest {

  @TestHTTPResource(value = "/", management = true)
  URL management;

  private static final String SEGMENT = "{\"preset\": \"segment\", \"fields\": {\"amount\": \"/properties/revenue\"}}";
  private static final String RUDDERSTACK = SEGMENT.replace("segment", "rudderstack");
  private static final String POSTHOG = SEGMENT.replace("segment", "posthog");

  @Test
  void segmentBatchIsOneRawRowPerMessageAndOnlyTrackIsCounted() {
    Captured request = Captured.load("segment-1");
    String client = newClientId("segment");
    String key = clientWithMapping(client, SEGMENT);
    byte[] body = request.decodedBody().replace(request.writeKey(), key).getBytes(StandardCharsets.UTF_8);

    send(request, withBasic(key), body)
        .then().statusCode(200)
        .body("success", equalTo(true))
        .body("accepted", equalTo(1))
        .body("rejected", equalTo(3))
        .body("results[0].status", equalTo("accepted"))
        .body("results[0].event.metric", equalTo("item_purchased"))
        .body("results[0].event.eventId", equalTo("node-next-1795689238077-8d041d8b-ceb3-4fa7-a282-4a2cbd6191a4"))
        .body("results[1].errors[0].code", equalTo("unsupported_message_type"))
        .body("results[2].errors[0].code", equalTo("unsupported_message_type"))
        // order.completed carries no revenue: an ordinary rejection, which a mapping change and a replay can fix.
        .body("results[3].errors[0].code", equalTo("missing_field"));

    List<Map<String, Object>> rows = TestDb.query("""
        SELECT status, payload->>'type' AS type, refused_at_ingest, envelope->>'protocol' AS protocol,
               envelope->>'endpoint' AS endpoint, envelope->'members'->>'sentAt' AS sent_at, key_id IS NOT NULL AS keyed,
               envelope::text || payload::text AS stored
          FROM raw_events WHERE client_id = ? ORDER BY id""", client);
    assertThat(rows).extracting(r -> r.get("type")).containsExactly("track", "identify", "page", "track");
    assertThat(rows).extracting(r -> r.get("status")).containsExactly("accepted", "rejected", "rejected", "rejected");
    // identify and page were refused at ingest, for good; the missing amount is an ordinary rejection.
    assertThat(rows).extracting(r -> r.get("refused_at_ingest")).containsExactly(false, true, true, false);
    assertThat(rows).allSatisfy(row -> {
      assertThat(row).containsEntry("protocol", "segment").containsEntry("endpoint", "/v1/batch")
          .containsEntry("sent_at", "2026-11-26T10:33:58.081Z").containsEntry("keyed", true);
      assertThat((String) row.get("stored")).doesNotContain(key);
    });
    assertThat(TestDb.one("SELECT metric, amount::text AS amount, event_id, ts::text AS ts FROM events WHERE client_id = ?", client))
        .containsEntry("metric", "item_purchased").containsEntry("amount", "12.5")
        .containsEntry("event_id", "node-next-1795689238077-8d041d8b-ceb3-4fa7-a282-4a2cbd6191a4")
        .containsEntry("ts", "2026-11-26 10:33:58.077+00");

    // The SDK's retry of the same batch: nothing counted twice.
    send(request, withBasic(key), body).then().statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void rudderstackGzipSentAsFormUrlencodedIsParsedAsJson() {
    Captured request = Captured.load("rudderstack-2");
    String client = newClientId("rudder");
    String key = clientWithMapping(client, RUDDERSTACK.replace("/properties/revenue", "/properties/total"));
    // The captured gzip bytes as the SDK sent them: RudderStack carries its key in Basic auth only.
    assertThat(request.header("content-type")).isEqualTo("application/x-www-form-urlencoded");
    send(request, withBasic(key), request.body())
        .then().statusCode(200)
        .body("success", equalTo(true))
        .body("accepted", equalTo(1))
        .body("results[2].event.metric", equalTo("order.completed"))
        .body("results[2].event.amount", equalTo(30))
        .body("results[2].event.timestamp", equalTo("2026-11-26T10:33:58.451Z"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND content_type LIKE ?", client,
        "application/x-www-form-urlencoded%")).isEqualTo(3);
  }

  @Test
  void posthogBatchTakesTheKeyFromTheBodyAndRefusesItsOwnEvents() {
    Captured request = Captured.load("posthog-1");
    String client = newClientId("posthog");
    String key = clientWithMapping(client, POSTHOG);
    String decoded = request.decodedBody().replace(request.writeKey(), key);
    send(request, anonymous(), gzip(decoded))
        .then().statusCode(200)
        .body("status", equalTo(1))
        .body("accepted", equalTo(1))
        .body("rejected", equalTo(3))
        .body("results[1].errors[0].message", containsString("$identify"));
    assertThat(TestDb.one("SELECT metric, amount::text AS amount, event_id FROM events WHERE client_id = ?", client))
        .containsEntry("metric", "item_purchased").containsEntry("amount", "12.5")
        .containsEntry("event_id", "01a2176b-5121-768e-9983-04c036599c3b");
    String metrics = given().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200).extract().asString();
    assertThat(metrics).containsPattern("tally_sdk_messages_total\\{protocol=\"posthog\"[^}]*\\} [1-9]");
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND jsonb_exists(envelope->'members', 'sent_at')"
        + " AND NOT jsonb_exists(envelope->'members', 'api_key') AND refused_at_ingest = (payload->>'event' LIKE '$%')", client)).isEqualTo(4);
  }

  @Test
  void singleCallsAndTrailingSlashesWork() {
    String client = newClientId("single");
    String key = clientWithMapping(client, SEGMENT);
    String track = "{\"writeKey\":\"" + key + "\",\"event\":\"signup\",\"messageId\":\"m-1\",\"timestamp\":\"2024-01-01T00:00:00Z\","
        + "\"properties\":{\"revenue\":\"1.50\"}}";
    given().header(AdminKey.ANONYMOUS, "yes").contentType("text/plain").body(track).post("/v1/track")
        .then().statusCode(200).body("accepted", equalTo(1)).body("results[0].event.amount", equalTo(1.5f));
    given().header(AdminKey.ANONYMOUS, "yes").contentType("application/json")
        .body("{\"writeKey\":\"" + key + "\",\"userId\":\"u\",\"traits\":{}}").post("/v1/identify")
        .then().statusCode(200).body("rejected", equalTo(1)).body("results[0].errors[0].code", equalTo("unsupported_message_type"));
    given().header("Authorization", "Bearer " + key).contentType("application/json")
        .body("{\"batch\":[" + track.replace("\"writeKey\":\"" + key + "\",", "\"type\":\"track\",") + "]}").post("/v1/batch/")
        .then().statusCode(200).body("duplicates", equalTo(1));
    assertThat(TestDb.query("SELECT envelope->>'endpoint' AS endpoint, jsonb_exists(payload, 'writeKey') AS keyed FROM raw_events"
        + " WHERE client_id = ? ORDER BY id", client))
        .extracting(r -> r.get("endpoint") + " " + r.get("keyed"))
        .containsExactly("/v1/track false", "/v1/identify false", "/v1/batch/ false");
    // GET /raw-events shows the envelope, and which rows were refused for good.
    given().queryParam("clientId", client).get("/raw-events").then().statusCode(200)
        .body("items[0].envelope.endpoint", equalTo("/v1/batch/"))
        .body("items[1].envelope.protocol", equalTo("segment"))
        .body("items[1].refusedAtIngest", equalTo(true))
        .body("items[0].refusedAtIngest", equalTo(null));
  }

  @Test
  void everyPostHogRouteAndSegmentsImportAreServed() {
    String client = newClientId("routes");
    String key = clientWithMapping(client, POSTHOG);
    String event = "{\"event\":\"purchase\",\"distinct_id\":\"u\",\"timestamp\":\"2024-01-01T00:00:00Z\","
        + "\"properties\":{\"revenue\":2}";
    given().header(AdminKey.ANONYMOUS, "yes").contentType("application/json")
        .body("{\"api_key\":\"" + key + "\"," + event.substring(1) + ",\"uuid\":\"e-1\"}").post("/capture/")
        .then().statusCode(200).body("status", equalTo(1)).body("accepted", equalTo(1));
    // posthog-js: an array to /e/, the key in each event's properties, gzip flagged by a query parameter.
    given().header(AdminKey.ANONYMOUS, "yes").contentType("text/plain").queryParam("compression", "gzip-js")
        .body(gzip("[" + event.replace("\"revenue\":2", "\"revenue\":2,\"token\":\"" + key + "\"") + ",\"uuid\":\"e-2\"}]"))
        .post("/e/")
        .then().statusCode(200).body("accepted", equalTo(1));
    given().header("Authorization", "Bearer " + key).contentType("application/json")
        .body("{\"batch\":[" + event + ",\"uuid\":\"e-3\"}]}").post("/v1/import")
        .then().statusCode(200).body("success", equalTo(true)).body("rejected", equalTo(1));
    assertThat(TestDb.query("SELECT envelope->>'endpoint' AS endpoint, status FROM raw_events WHERE client_id = ? ORDER BY id", client))
        .extracting(r -> r.get("endpoint") + " " + r.get("status"))
        // The segment protocol on /v1/import: the PostHog-shaped message has no type, so it is not a track message.
        .containsExactly("/capture/ accepted", "/e/ accepted", "/v1/import rejected");
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND payload::text LIKE ?", client, "%" + key + "%"))
        .isZero();
  }

  @Test
  void unknownMissingAndWrongKeysAreRefusedAndNothingIsStored() {
    String client = newClientId("refused");
    String batch = "{\"batch\":[{\"type\":\"track\",\"event\":\"m\",\"messageId\":\"" + client + "\"}]}";
    given().header("Authorization", basic("tally_not_a_key")).contentType("application/json").body(batch).post("/v1/batch")
        .then().statusCode(401).header("WWW-Authenticate", "Basic realm=\"tally\"").contentType("application/problem+json");
    given().header(AdminKey.ANONYMOUS, "yes").contentType("application/json").body(batch).post("/v1/batch")
        .then().statusCode(401).body("detail", containsString("write key"));
    given().header(AdminKey.ANONYMOUS, "yes").contentType("application/json")
        .body("{\"api_key\":\"tally_not_a_key\",\"batch\":[{\"event\":\"m\",\"uuid\":\"" + client + "\"}]}").post("/batch/")
        .then().statusCode(401);
    // The admin key has no client to file SDK events under; a read key may not ingest at all.
    given().contentType("application/json").body(batch).post("/v1/batch")
        .then().statusCode(403).body("detail", containsString("ingest key"));
    given().header("Authorization", "Bearer " + Keys.readKey(client)).contentType("application/json").body(batch).post("/v1/batch")
        .then().statusCode(403);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE payload::text LIKE ?", "%" + client + "%")).isZero();
  }

  @Test
  void aHeaderKeyAndADifferentBodyKeyAreRefusedAndNothingIsStored() {
    String client = newClientId("twokeys");
    String headerKey = Keys.ingestKey(client);
    String otherKey = Keys.ingestKey(newClientId("twokeys-other"));
    String segment = "{\"writeKey\":\"%s\",\"batch\":[{\"type\":\"track\",\"event\":\"m\",\"messageId\":\"" + client + "\"}]}";
    String posthog = "{\"api_key\":\"%s\",\"batch\":[{\"event\":\"m\",\"uuid\":\"" + client + "\"}]}";
    for (String bodyKey : List.of(otherKey, "tally_not_a_key")) {
      given().header("Authorization", basic(headerKey)).contentType("application/json").body(segment.formatted(bodyKey))
          .post("/v1/batch")
          .then().statusCode(401).header("WWW-Authenticate", "Basic realm=\"tally\"").body("detail", containsString("different"));
      given().header("Authorization", "Bearer " + headerKey).contentType("application/json").body(posthog.formatted(bodyKey))
          .post("/batch/")
          .then().statusCode(401).body("detail", containsString("different"));
      given().header("Authorization", "Bearer " + headerKey).contentType("application/json")
          .body("{\"type\":\"track\",\"event\":\"m\",\"properties\":{\"token\":\"" + bodyKey + "\"}}").post("/capture/")
          .then().statusCode(401);
    }
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? OR payload::text LIKE ?", client, "%" + client + "%"))
        .isZero();
    // The same key in both places (Segment's SDK sends it twice) is one key.
    given().header("Authorization", basic(headerKey)).contentType("application/json").body(segment.formatted(headerKey))
        .post("/v1/batch").then().statusCode(200).body("success", equalTo(true));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void aBodyThatIsNotJsonIsKeptRawAnd400() {
    String client = newClientId("garbage");
    String key = Keys.ingestKey(client);
    given().header("Authorization", basic(key)).contentType("application/json").body("{\"batch\": [ oops").post("/v1/batch")
        .then().statusCode(400).body("status", equalTo("unparseable"));
    assertThat(TestDb.one("SELECT status, envelope->>'protocol' AS protocol, convert_from(raw_body, 'UTF8') AS body"
        + " FROM raw_events WHERE client_id = ?", client))
        .containsEntry("status", "unparseable").containsEntry("protocol", "segment").containsEntry("body", "{\"batch\": [ oops");
  }

  @Test
  void aBodyKeyInABodyThatCannotBeReadIsNoKey() {
    String client = newClientId("unreadable");
    String key = Keys.ingestKey(client);
    given().header(AdminKey.ANONYMOUS, "yes").contentType("application/json").body("{\"api_key\":\"" + key + "\",\"batch\":[")
        .post("/batch/")
        .then().statusCode(401).body("detail", containsString("the body could not be read"));
    given().header(AdminKey.ANONYMOUS, "yes").header("Content-Encoding", "gzip").contentType("application/json")
        .body("{\"api_key\":\"" + key + "\"}").post("/batch/")
        .then().statusCode(401).body("detail", containsString("not valid gzip"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void aZipBombIs413AndNothingIsStored() throws IOException {
    String client = newClientId("bomb");
    String key = Keys.ingestKey(client);
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      gzip.write(("{\"api_key\":\"" + key + "\",\"batch\":[").getBytes(StandardCharsets.UTF_8));
      byte[] spaces = new byte[1 << 20];
      java.util.Arrays.fill(spaces, (byte) ' ');
      for (int i = 0; i < 8; i++) {
        gzip.write(spaces);
      }
    }
    given().header(AdminKey.ANONYMOUS, "yes").header("Content-Encoding", "gzip").contentType("application/json")
        .body(compressed.toByteArray()).post("/batch/")
        .then().statusCode(413).body("detail", containsString("decompresses"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  private static String clientWithMapping(String client, String mapping) {
    given().contentType("application/json").body(mapping).put("/clients/" + client + "/mapping").then().statusCode(201);
    return Keys.ingestKey(client);
  }

  private static io.restassured.response.Response send(Captured request, RequestSpecification auth, byte[] body) {
    // As sent: RudderStack's gzip body labelled form-urlencoded must not be form-encoded by RestAssured.
    RequestSpecification spec = auth.config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
            .encodeContentTypeAs("application/x-www-form-urlencoded", ContentType.BINARY)))
        .contentType(request.header("content-type")).body(body);
    if (request.header("content-encoding") != null && body.length > 1 && body[0] == 0x1f) {
      spec = spec.header("Content-Encoding", request.header("content-encoding"));
    }
    return spec.post(request.path());
  }

  private static RequestSpecification withBasic(String key) {
    return given().header("Authorization", basic(key));
  }

  private static String basic(String key) {
    return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }

  private static RequestSpecification anonymous() {
    return given().header(AdminKey.ANONYMOUS, "yes");
  }

  private static byte[] gzip(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
