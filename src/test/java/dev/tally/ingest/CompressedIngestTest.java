package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Content-Encoding gzip and deflate on POST /events; the size limit applies to the decoded body. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class CompressedIngestTest {

  @Test
  void gzipBodiesAreDecodedAndStoredAsJson() throws IOException {
    String client = newClientId("gzip");
    given().header("Content-Encoding", "gzip").contentType("application/json")
        .body(gzip(event(client, "m", "12.50", "2024-01-01T00:00:00Z")))
        .post("/events")
        .then().statusCode(201).body("event.amount", equalTo(12.5f));
    assertThat(TestDb.one("SELECT payload->>'amount' AS amount, status FROM raw_events WHERE client_id = ?", client))
        .containsEntry("amount", "12.50").containsEntry("status", "accepted");
  }

  @Test
  void deflateBatchesZlibOrRawAreDecoded() throws IOException {
    String client = newClientId("deflate");
    String batch = "[" + event(client, "m", "1", "2024-01-01T00:00:00Z") + "," + event(client, "m", "2", "2024-01-01T00:00:00Z") + "]";
    given().header("Content-Encoding", "deflate").contentType("application/json").body(deflate(batch, false))
        .post("/events").then().statusCode(200).body("accepted", equalTo(2));
    given().header("Content-Encoding", "deflate").contentType("application/json").body(deflate(batch, true))
        .post("/events").then().statusCode(200).body("duplicates", equalTo(2));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(2);
  }

  @Test
  void aZipBombIs413AndNothingIsStored() throws IOException {
    String client = newClientId("bomb");
    // 64 MiB of spaces after a valid event: about 64 KiB compressed, far under the limit until it is inflated.
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      gzip.write(event(client, "m", "1", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8));
      byte[] spaces = new byte[1 << 20];
      java.util.Arrays.fill(spaces, (byte) ' ');
      for (int i = 0; i < 64; i++) {
        gzip.write(spaces);
      }
    }
    assertThat(compressed.size()).isLessThan(1_048_576);
    given().header("Content-Encoding", "gzip").contentType("application/json").body(compressed.toByteArray())
        .post("/events")
        .then().statusCode(413)
        .contentType("application/problem+json")
        .body("detail", containsString("decompresses to more than"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void aBrokenOrUnknownEncodingIsKeptRawAndAnswered400() {
    byte[] broken = "this is not gzip".getBytes(StandardCharsets.UTF_8);
    long rawId = given().header("Content-Encoding", "gzip").contentType("application/json").body(broken)
        .post("/events")
        .then().statusCode(400)
        .body("status", equalTo("unparseable"))
        .body("message", containsString("not valid gzip"))
        .extract().jsonPath().getLong("rawId");
    Map<String, Object> raw = TestDb.one("SELECT status, raw_body FROM raw_events WHERE id = ?", rawId);
    assertThat(raw.get("status")).isEqualTo("unparseable");
    assertThat((byte[]) raw.get("raw_body")).isEqualTo(broken);

    given().header("Content-Encoding", "br").contentType("application/json").body(new byte[] {1, 2, 3})
        .post("/events")
        .then().statusCode(400).body("message", containsString("Content-Encoding br is not supported"));
  }

  @Test
  void bytesAfterTheCompressedDataAreNeverDroppedTheBodyIsKeptRawAndAnswered400() throws IOException {
    String client = newClientId("trailing");
    String event = event(client, "m", "1", "2024-01-01T00:00:00Z");
    String smuggled = event(client, "m", "999", "2024-01-02T00:00:00Z");
    for (byte[] body : List.of(BodyDecoderTest.concat(gzip(event), smuggled.getBytes(StandardCharsets.UTF_8)),
        BodyDecoderTest.concat(deflate(event, false), "garbage".getBytes(StandardCharsets.UTF_8)),
        BodyDecoderTest.concat(deflate(event, true), "garbage".getBytes(StandardCharsets.UTF_8)))) {
      String encoding = body[0] == 0x1f ? "gzip" : "deflate";
      long rawId = given().header("Content-Encoding", encoding).contentType("application/json").body(body)
          .post("/events")
          .then().statusCode(400)
          .body("status", equalTo("unparseable"))
          .body("message", containsString("after the end of the " + (encoding.equals("gzip") ? "gzip" : "deflate") + " data"))
          .extract().jsonPath().getLong("rawId");
      Map<String, Object> raw = TestDb.one("SELECT status, raw_body, payload FROM raw_events WHERE id = ?", rawId);
      assertThat(raw.get("status")).isEqualTo("unparseable");
      assertThat((byte[]) raw.get("raw_body")).isEqualTo(body);
      assertThat(raw.get("payload")).isNull();
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void concatenatedGzipMembersAreOneBody() throws IOException {
    String client = newClientId("members");
    byte[] body = BodyDecoderTest.concat(gzip("[" + event(client, "m", "1", "2024-01-01T00:00:00Z") + ","),
        gzip(event(client, "m", "2", "2024-01-01T00:00:00Z") + "]"));
    given().header("Content-Encoding", "gzip").contentType("application/json").body(body)
        .post("/events")
        .then().statusCode(200).body("accepted", equalTo(2));
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(2);
  }

  @Test
  void bytesAfterTheGzipDataOnAnSdkRouteAreKeptRawAndAnswered400() throws IOException {
    String client = newClientId("sdktrailing");
    String key = Keys.ingestKey(client);
    byte[] body = BodyDecoderTest.concat(gzip("{\"batch\":[{\"type\":\"track\",\"event\":\"e\"}]}"),
        "{\"batch\":[]}".getBytes(StandardCharsets.UTF_8));
    given().header("Authorization", "Bearer " + key).header("Content-Encoding", "gzip").contentType("application/json").body(body)
        .post("/v1/batch")
        .then().statusCode(400).body("status", equalTo("unparseable")).body("message", containsString("after the end of the gzip data"));
    Map<String, Object> raw = TestDb.one("SELECT status, raw_body, envelope->>'protocol' AS protocol FROM raw_events WHERE client_id = ?", client);
    assertThat(raw).containsEntry("status", "unparseable").containsEntry("protocol", "segment");
    assertThat((byte[]) raw.get("raw_body")).isEqualTo(body);
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] deflate(String text, boolean raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
      deflate.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
