package dev.tally.platform;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request bodies are read under three limits whatever the headers say: size (reading stops one byte past
 * tally.ingest.max-body-bytes, chunked or not), memory of all bodies in flight together, and a total time per body.
 * Each is driven here over a raw socket, as a hostile client would, with small limits so it runs in seconds.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
@TestProfile(RequestBodyLimitsTest.SmallLimits.class)
class RequestBodyLimitsTest {

  static final int MAX_BODY = 20_000;
  static final int IN_FLIGHT = 50_000;

  public static class SmallLimits implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "tally.ingest.max-body-bytes", String.valueOf(MAX_BODY),
          "tally.ingest.max-body-bytes-in-flight", String.valueOf(IN_FLIGHT),
          "tally.ingest.body-timeout", "2s");
    }
  }

  @TestHTTPResource("/") URL api;
  @TestHTTPResource(value = "/", management = true) URL management;

  @Test
  void chunkedBodyIsRefusedOneChunkPastTheLimitWithoutWaitingForItsEnd() throws Exception {
    String client = newClientId("chunked-big");
    try (Socket socket = open("/events")) {
      OutputStream out = socket.getOutputStream();
      // The start of a valid event, then padding that never ends: the server must answer without the end.
      chunk(out, ("{\"clientId\":\"" + client + "\",\"pad\":\"").getBytes(StandardCharsets.US_ASCII));
      for (int sent = 0; sent <= MAX_BODY; sent += 4096) {
        chunk(out, "a".repeat(4096).getBytes(StandardCharsets.US_ASCII));
      }
      String answer = answer(socket);
      assertThat(answer).startsWith("HTTP/1.1 413").contains("tally.ingest.max-body-bytes").contains("application/problem+json");
    }
    assertNothingStored(client);
  }

  @Test
  void bodyThatTricklesPastTheBodyTimeoutIsRefusedAndNothingIsStored() throws Exception {
    String client = newClientId("trickle");
    byte[] body = event(client, "m", "1", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    long started = System.nanoTime();
    String answer;
    try (Socket socket = open("/events", "Content-Length: " + body.length)) {
      OutputStream out = socket.getOutputStream();
      // One byte every 250 ms never trips the idle timeout, only the total time limit.
      socket.setSoTimeout(250);
      StringBuilder received = new StringBuilder();
      for (int i = 0; i < body.length - 1 && received.isEmpty(); i++) {
        out.write(body[i]);
        out.flush();
        try {
          int b = socket.getInputStream().read();
          if (b != -1) {
            received.append((char) b);
          }
        } catch (SocketTimeoutException stillReading) {
          // nothing yet: keep trickling
        }
      }
      socket.setSoTimeout(10_000);
      answer = received + answer(socket);
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(answer).startsWith("HTTP/1.1 408").contains("tally.ingest.body-timeout");
    assertThat(millis).as("cut off by the 2 s body timeout").isBetween(1_500L, 10_000L);
    assertNothingStored(client);
  }

  @Test
  void bodiesBeyondTheInFlightBudgetAre503WithRetryAfterAndTheBudgetComesBack() throws Exception {
    String client = newClientId("budget");
    List<Socket> held = new ArrayList<>();
    String refused = null;
    try {
      // Each holds 15,000 bytes of a chunked body it never finishes: the fourth passes the 50,000-byte budget.
      for (int i = 0; i < 6 && refused == null; i++) {
        Socket socket = open("/events");
        held.add(socket);
        OutputStream out = socket.getOutputStream();
        chunk(out, ("{\"clientId\":\"" + client + "\",\"pad\":\"").getBytes(StandardCharsets.US_ASCII));
        chunk(out, "b".repeat(15_000).getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(500);
        try {
          String answer = answer(socket);
          if (!answer.isEmpty()) {
            refused = answer;
          }
        } catch (SocketTimeoutException stillReading) {
          // held in flight, as intended
        }
      }
      assertThat(refused).as("a body passing the in-flight budget is refused").isNotNull();
      assertThat(refused).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After:")
          .contains("tally.ingest.max-body-bytes-in-flight");
      assertThat(held).hasSizeGreaterThanOrEqualTo(4);
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
    // Closed connections give their reservation back: a normal request goes through again.
    await("the budget released when the requests end").atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 0);
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(201);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void aCompressedBodyCountsWithItsDecodedSize() throws Exception {
    String client = newClientId("budget-gzip");
    String padded = "{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":\"2024-01-01T00:00:00Z\",\"pad\":\""
        + "c".repeat(18_000) + "\"}";
    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
      gzip.write(padded.getBytes(StandardCharsets.UTF_8));
    }
    List<Socket> held = new ArrayList<>();
    try {
      // 45,000 of the 50,000 bytes held by three unfinished bodies; the gzip body is a few hundred bytes on the wire.
      for (int i = 0; i < 3; i++) {
        Socket socket = open("/events");
        held.add(socket);
        chunk(socket.getOutputStream(), "d".repeat(15_000).getBytes(StandardCharsets.US_ASCII));
      }
      await("the three bodies holding their bytes").atMost(Duration.ofSeconds(10)).until(() -> inFlight() >= 45_000);
      given().contentType(ContentType.JSON).header("Content-Encoding", "gzip").body(gzipped.toByteArray()).post("/events")
          .then().statusCode(503).header("Retry-After", "1");
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
    assertNothingStored(client);
  }

  @Test
  void expectContinueIsAnsweredAndTheBodyIsRead() throws Exception {
    String client = newClientId("continue");
    byte[] body = event(client, "m", "2", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = open("/events", "Content-Length: " + body.length, "Expect: 100-continue")) {
      String interim = readUntilBlankLine(socket.getInputStream());
      assertThat(interim).startsWith("HTTP/1.1 100");
      socket.getOutputStream().write(body);
      socket.getOutputStream().flush();
      assertThat(readUntilBlankLine(socket.getInputStream())).startsWith("HTTP/1.1 201");
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
  }

  private Socket open(String path, String... headers) throws IOException {
    Socket socket = new Socket(api.getHost(), api.getPort());
    socket.setSoTimeout(10_000);
    StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + AdminKey.KEY
        + "\r\nContent-Type: application/json\r\n");
    if (headers.length == 0) {
      head.append("Transfer-Encoding: chunked\r\n");
    }
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    socket.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  private static void chunk(OutputStream out, byte[] bytes) throws IOException {
    out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Everything the server sends until it closes the connection (or a reset ends it). */
  private static String answer(Socket socket) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    try {
      for (int b = in.read(); b != -1; b = in.read()) {
        received.write(b);
      }
    } catch (SocketTimeoutException e) {
      if (received.size() == 0) {
        throw e;
      }
    } catch (IOException reset) {
      // a reset after the answer is a close too
    }
    return received.toString(StandardCharsets.UTF_8);
  }

  private static String readUntilBlankLine(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b == -1) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  private long inFlight() {
    String metrics = given().baseUri("http://localhost").port(ManagementPort.of(management)).get("/q/metrics").asString();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("tally_http_body_bytes_in_flight_bytes ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).strip());
      }
    }
    throw new AssertionError("no tally_http_body_bytes_in_flight_bytes in /q/metrics");
  }

  private static void assertNothingStored(String client) {
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? OR position(convert_to(?, 'UTF8') in raw_body) > 0"
        + " OR payload::text LIKE ?", client, client, "%" + client + "%")).isZero();
  }
}
