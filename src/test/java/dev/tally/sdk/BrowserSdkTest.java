package dev.tally.sdk;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The browser SDKs' routes against the real database, with bodies shaped as posthog-js 1.449.2, analytics.js 1.84.3,
 * RudderStack JS 3.34.1 and Snowplow's browser tracker 4.10.1 send them in Chromium (src/test/browser-sdk records
 * them; run.sh there runs the SDKs themselves): CORS, the keys' allowed origins, the configuration routes and the
 * event routes with their encodings.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class BrowserSdkTest {

  private static final String PAGE = "https://shop.example.com";
  private static final String OTHER_PAGE = "https://evil.example.net";

  @Test
  void preflightsOfTheSdkRoutesAreAnsweredAndTheAdminAndReadRoutesGetNoCorsHeader() {
    for (String path : List.of("/v1/t", "/v1/batch", "/v1/projects/any/settings", "/e/", "/i/v0/e/", "/flags/",
        "/com.snowplowanalytics.snowplow/tp2", "/k/any/i", "/sourceConfig/", "/beacon/v1/batch", "/events")) {
      preflight(path, "authorization,content-type,x-api-key")
          .then().statusCode(204)
          .header("Access-Control-Allow-Origin", PAGE)
          .header("Access-Control-Allow-Credentials", "true")
          .header("Access-Control-Allow-Methods", "GET, POST")
          .header("Access-Control-Allow-Headers", "authorization,content-type,x-api-key")
          .header("Access-Control-Max-Age", "7200");
    }
    for (String path : List.of("/keys", "/raw-events", "/aggregates", "/clients/web_shop/mapping", "/replays", "/mapping-presets")) {
      assertThat(preflight(path, "authorization").getHeader("Access-Control-Allow-Origin")).as(path).isNull();
      assertThat(given().header("Origin", PAGE).get(path).getHeader("Access-Control-Allow-Origin")).as(path).isNull();
    }
  }

  @Test
  void aKeysAllowedOriginsAreCheckedBeforeAnythingIsStored() {
    String client = newClientId("origins");
    mapping(client, "{\"preset\": \"segment\", \"fields\": {\"amount\": \"/properties/revenue\"}}");
    String key = Keys.create("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"],\"allowedOrigins\":[\"" + PAGE
        + "\",\"https://*.shop.example.org:8443\"]}").getString("key");

    anonymous().header("Origin", OTHER_PAGE).contentType("text/plain").body(track(key, "m-1")).post("/v1/t")
        .then().statusCode(403)
        .header("Access-Control-Allow-Origin", OTHER_PAGE)
        .body("detail", containsString("\"" + OTHER_PAGE + "\" is not among the allowedOrigins"));
    anonymous().header("Origin", "null").contentType("text/plain").body(track(key, "m-1")).post("/v1/t").then().statusCode(403);
    anonymous().header("Origin", "https://shop.example.org:8443").contentType("text/plain").body(track(key, "m-1")).post("/v1/t")
        .then().statusCode(403);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();

    anonymous().header("Origin", "HTTPS://shop.example.com:443").contentType("text/plain").body(track(key, "m-1")).post("/v1/t")
        .then().statusCode(200).header("Access-Control-Allow-Origin", "HTTPS://shop.example.com:443").body("accepted", equalTo(1));
    anonymous().header("Origin", "https://eu.www.shop.example.org:8443").contentType("text/plain").body(track(key, "m-2")).post("/v1/t")
        .then().statusCode(200).body("accepted", equalTo(1));
    // No Origin: not a browser's cross-origin request (a server, curl).
    anonymous().contentType("text/plain").body(track(key, "m-3")).post("/v1/t").then().statusCode(200).body("accepted", equalTo(1));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);
  }

  @Test
  void allowedOriginsAreValidatedListedAndOnlyForIngestKeys() {
    String client = newClientId("origins");
    given().contentType(ContentType.JSON).body("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"],\"allowedOrigins\":"
            + "[\"https://shop.example.com/cart\",\"*\",\"https://*.com\",\"ftp://a.example.com\",\"https://a.*.example.com\"]}")
        .post("/keys").then().statusCode(400)
        .body("errors.size()", equalTo(5))
        .body("errors[0]", containsString("has a path, query or fragment"))
        .body("errors[3]", containsString("must start with https:// or http://"));
    given().contentType(ContentType.JSON).body("{\"role\":\"read\",\"allClients\":true,\"allowedOrigins\":[\"https://a.example.com\"]}")
        .post("/keys").then().statusCode(400).body("errors[0]", containsString("allowedOrigins is for ingest keys"));

    String id = Keys.create("{\"role\":\"ingest\",\"clientIds\":[\"" + client + "\"],\"allowedOrigins\":"
        + "[\"HTTPS://Shop.Example.com:443\",\"http://localhost:3000\",\"https://shop.example.com\"]}").getString("id");
    given().get("/keys").then().statusCode(200)
        .body("items.find { it.id == '" + id + "' }.allowedOrigins", equalTo(List.of("https://shop.example.com", "http://localhost:3000")));
    assertThat(TestDb.one("SELECT array_to_string(allowed_origins, ' ') AS origins FROM api_keys WHERE id = ?", id))
        .containsEntry("origins", "https://shop.example.com http://localhost:3000");
  }

  @Test
  void segmentSettingsSendAnalyticsJsToTallyAndItsOneLetterRoutesCount() {
    String client = newClientId("ajs");
    mapping(client, "{\"preset\": \"segment\", \"fields\": {\"amount\": \"/properties/revenue\"}}");
    String key = Keys.ingestKey(client);
    anonymous().header("Origin", PAGE).get("/v1/projects/" + key + "/settings")
        .then().statusCode(200)
        .header("Access-Control-Allow-Origin", PAGE)
        .body("integrations.'Segment.io'.apiKey", equalTo(key))
        .body("integrations.'Segment.io'.apiHost", endsWith("/v1"))
        .body("integrations.'Segment.io'.protocol", equalTo("http"))
        .body("integrations.size()", equalTo(1))
        .body("remotePlugins", empty())
        .body("metrics.sampleRate", equalTo(0));
    anonymous().get("/v1/projects/tally_unknown/settings").then().statusCode(401);

    // As analytics.js sends them: text/plain, the key as Basic user name and as writeKey.
    anonymous().header("Authorization", basic(key)).contentType("text/plain").body(track(key, "ajs-1")).post("/v1/t")
        .then().statusCode(200).body("success", equalTo(true)).body("accepted", equalTo(1));
    anonymous().header("Authorization", basic(key)).contentType("text/plain")
        .body("{\"type\":\"identify\",\"userId\":\"u-1\",\"messageId\":\"ajs-2\",\"writeKey\":\"" + key + "\"}").post("/v1/i")
        .then().statusCode(200).body("rejected", equalTo(1)).body("results[0].errors[0].code", equalTo("unsupported_message_type"));
    // The batching delivery's unload flush: /v1/b with fetch keepalive.
    anonymous().header("Authorization", basic(key)).contentType("text/plain")
        .body("{\"writeKey\":\"" + key + "\",\"batch\":[" + track(null, "ajs-3") + "," + track(null, "ajs-1") + "],\"sentAt\":\"2026-12-07T10:00:01Z\"}")
        .post("/v1/b").then().statusCode(200).body("accepted", equalTo(1)).body("duplicates", equalTo(1));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(2);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND strpos(payload::text || envelope::text, ?) > 0",
        client, key)).isZero();
  }

  @Test
  void rudderStackLoadsItsSourceConfigAndItsBeaconBatchCarriesTheKeyInTheQuery() {
    String client = newClientId("rudder");
    mapping(client, "{\"preset\": \"rudderstack\", \"fields\": {\"amount\": \"/properties/revenue\"}}");
    String key = Keys.ingestKey(client);
    anonymous().header("Authorization", basic(key)).header("Origin", PAGE)
        .get("/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=" + key + "&lockIntegrationsVersion=false")
        .then().statusCode(200)
        .header("Access-Control-Allow-Origin", PAGE)
        .body("source.enabled", equalTo(true))
        .body("source.destinations", empty())
        .body("source.config.statsCollection.errors.enabled", equalTo(false));
    anonymous().get("/sourceConfig/?writeKey=tally_unknown").then().statusCode(401);

    String batch = "{\"batch\":[{\"type\":\"track\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":7},"
        + "\"messageId\":\"rs-1\",\"originalTimestamp\":\"2026-12-07T10:00:00.000Z\"}],\"sentAt\":\"2026-12-07T10:00:01.000Z\"}";
    anonymous().header("Origin", PAGE).contentType("text/plain").body(batch).post("/beacon/v1/batch?writeKey=" + key)
        .then().statusCode(200).body("accepted", equalTo(1));
    anonymous().contentType("text/plain").body(batch).post("/beacon/v1/batch?writeKey=tally_unknown").then().statusCode(401);
    assertThat(TestDb.one("SELECT envelope->>'endpoint' AS endpoint, status FROM raw_events WHERE client_id = ?", client))
        .containsEntry("endpoint", "/beacon/v1/batch").containsEntry("status", "accepted");
  }

  @Test
  void posthogJsGetsACaptureOnlyConfigAndItsEncodingsAreRead() {
    String client = newClientId("phjs");
    mapping(client, "{\"preset\": \"posthog\", \"fields\": {\"amount\": \"/properties/revenue\"}}");
    String key = Keys.ingestKey(client);
    anonymous().header("Origin", PAGE).get("/array/" + key + "/config")
        .then().statusCode(200)
        .body("hasFeatureFlags", equalTo(false))
        .body("sessionRecording", equalTo(false))
        .body("autocapture_opt_out", equalTo(true))
        .body("surveys", nullValue())
        .body("supportedCompression", equalTo(List.of("gzip-js", "base64")));
    String script = anonymous().get("/array/" + key + "/config.js").then().statusCode(200)
        .contentType(containsString("javascript")).extract().asString();
    assertThat(script).contains("window._POSTHOG_REMOTE_CONFIG[\"" + key + "\"]={config:{").contains("\"hasFeatureFlags\":false");
    anonymous().get("/array/tally_unknown/config").then().statusCode(401);
    anonymous().contentType("application/x-www-form-urlencoded").body(form("{\"token\":\"" + key + "\",\"distinct_id\":\"u-1\"}"))
        .post("/flags/?v=2&config=true&compression=base64").then().statusCode(200).body("flags.size()", equalTo(0))
        .body("errorsWhileComputingFlags", equalTo(false));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();

    // posthog-js 1.449.2: gzip as text/plain, without ?compression; the base64 form; plain JSON.
    anonymous().header("Origin", PAGE).contentType("text/plain").body(gzip(capture(key, "ph-1", 1))).post("/e/?ver=1.449.2")
        .then().statusCode(200).body("status", equalTo(1)).body("accepted", equalTo(1));
    anonymous().contentType("application/x-www-form-urlencoded").body(form(capture(key, "ph-2", 2)))
        .post("/i/v0/e/?compression=base64").then().statusCode(200).body("accepted", equalTo(1));
    anonymous().contentType("text/plain").body(gzip(capture(key, "ph-1", 1))).post("/i/v0/e/?compression=gzip-js")
        .then().statusCode(200).body("duplicates", equalTo(1));
    anonymous().contentType(ContentType.JSON).body(capture(key, "ph-3", 3)).post("/batch/").then().statusCode(200).body("accepted", equalTo(1));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(3);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND strpos(payload::text || envelope::text, ?) > 0",
        client, key)).isZero();
  }

  @Test
  void aFormWhoseDataIsNotBase64IsA400AndKeptRaw() {
    String client = newClientId("phjs");
    String key = Keys.ingestKey(client);
    anonymous().header("Authorization", "Bearer " + key).contentType("application/x-www-form-urlencoded").body("data=%%%not*base64")
        .post("/e/?compression=base64").then().statusCode(400);
    assertThat(TestDb.one("SELECT status FROM raw_events WHERE client_id = ?", client)).containsEntry("status", "unparseable");
  }

  @Test
  void snowplowEventsCountByTheirSchemaOnceByEidWithTheKeyInAHeaderOrThePath() {
    String client = newClientId("snowplow");
    mapping(client, "{\"preset\": \"snowplow\", \"fields\": {\"amount\": \"/self_describing/data/total\"}}");
    String key = Keys.ingestKey(client);
    String ueJson = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":"
        + "{\"schema\":\"iglu:com.acme/checkout_completed/jsonschema/1-0-0\",\"data\":{\"total\":12.5}}}";
    String pr = "{\"e\":\"ue\",\"eid\":\"a1b2c3d4-0000-4000-8000-000000000001\",\"tv\":\"js-4.10.1\",\"dtm\":\"1796651942122\","
        + "\"ue_pr\":" + quoted(ueJson) + "}";
    String px = "{\"e\":\"ue\",\"eid\":\"a1b2c3d4-0000-4000-8000-000000000002\",\"dtm\":\"1796651942200\",\"ue_px\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(ueJson.replace("12.5", "30").getBytes(StandardCharsets.UTF_8)) + "\"}";
    String pv = "{\"e\":\"pv\",\"eid\":\"a1b2c3d4-0000-4000-8000-000000000003\",\"dtm\":\"1796651942300\",\"url\":\"https://shop.example.com/\"}";
    String payload = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[" + pr + "," + px + "," + pv + "]}";

    anonymous().header("X-Api-Key", key).header("Origin", PAGE).contentType("application/json; charset=UTF-8").body(payload)
        .post("/com.snowplowanalytics.snowplow/tp2")
        .then().statusCode(200).header("Access-Control-Allow-Origin", PAGE)
        .body("accepted", equalTo(2)).body("rejected", equalTo(1)).body("status", nullValue())
        .body("results[0].event.metric", equalTo("checkout_completed"))
        .body("results[0].event.timestamp", equalTo("2026-12-07T13:59:02.122Z"))
        .body("results[2].errors[0].code", equalTo("unsupported_message_type"));
    // The tracker's retry (same eids): duplicates. With the key in the collector path this time.
    anonymous().contentType("application/json; charset=UTF-8").body(payload).post("/k/" + key + "/com.snowplowanalytics.snowplow/tp2")
        .then().statusCode(200).body("duplicates", equalTo(2));
    // The GET pixel: one event in the query, answered with a GIF.
    byte[] gif = anonymous().get("/k/" + key + "/i?e=ue&eid=a1b2c3d4-0000-4000-8000-000000000004&dtm=1796651942400&ue_px="
            + Base64.getUrlEncoder().withoutPadding().encodeToString(ueJson.replace("12.5", "2").getBytes(StandardCharsets.UTF_8)))
        .then().statusCode(200).contentType("image/gif").extract().asByteArray();
    assertThat(new String(gif, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
    anonymous().get("/i?e=pv&eid=x").then().statusCode(401);

    assertThat(TestDb.query("SELECT amount::text AS text FROM events WHERE client_id = ? ORDER BY amount", client))
        .extracting(row -> row.get("text")).containsExactly("2", "12.5", "30");
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND envelope->>'protocol' = 'snowplow'"
        + " AND payload->'self_describing'->>'name' = 'checkout_completed' AND payload->'self_describing'->>'vendor' = 'com.acme'", client))
        .isEqualTo(5);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND strpos(payload::text || envelope::text, ?) > 0",
        client, key)).isZero();
  }

  private static Response preflight(String path, String headers) {
    return anonymous().header("Origin", PAGE).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", headers).options(path);
  }

  private static void mapping(String client, String mapping) {
    given().contentType("application/json").body(mapping).put("/clients/" + client + "/mapping").then().statusCode(201);
  }

  /** An analytics.js track message; {@code key} null: without writeKey (inside a batch). */
  private static String track(String key, String messageId) {
    return "{\"type\":\"track\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":9.5},\"messageId\":\"" + messageId
        + "\",\"timestamp\":\"2026-12-07T10:00:00.000Z\"" + (key == null ? "" : ",\"writeKey\":\"" + key + "\"") + "}";
  }

  /** A posthog-js batch: {"api_key", "batch": [...]}. */
  private static String capture(String key, String uuid, int revenue) {
    return "{\"api_key\":\"" + key + "\",\"batch\":[{\"uuid\":\"" + uuid + "\",\"event\":\"item purchased\",\"properties\":"
        + "{\"revenue\":" + revenue + ",\"token\":\"" + key + "\",\"distinct_id\":\"u-1\"},\"timestamp\":\"2026-12-07T10:00:00.000Z\"}]}";
  }

  /** posthog-js' compression=base64 form body. */
  private static String form(String json) {
    return "data=" + URLEncoder.encode(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  private static String quoted(String json) {
    return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static RequestSpecification anonymous() {
    // Bodies as sent: a form body must not be re-encoded by RestAssured.
    return given().header(AdminKey.ANONYMOUS, "yes").config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
        .encodeContentTypeAs("application/x-www-form-urlencoded", ContentType.TEXT)
        .encodeContentTypeAs("text/plain", ContentType.TEXT)));
  }

  private static String basic(String key) {
    return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
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
