package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** No request hangs: a per-request deadline for the pipeline, an idle timeout for clients that stop sending. */
@QuarkusTest
@ExtendWith(AdminKey.class)
@TestProfile(RequestTimeoutsTest.ShortTimeouts.class)
class RequestTimeoutsTest {

  public static class ShortTimeouts implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("tally.ingest.request-deadline", "1s", "quarkus.http.idle-timeout", "2s");
    }
  }

  @TestHTTPResource("/events") URL events;

  @Test
  void requestStuckPastTheDeadlineIs503AndItsEventIsStoredOnceItFinishes() throws Exception {
    String client = newClientId("deadline");
    String body = event(client, "m", "7", "2024-03-01T00:00:00Z");
    // Warm the request path first: the deadline is about the pipeline, not the first request's class loading.
    given().contentType(ContentType.JSON).body(event(client, "warm-up", "1", "2024-03-01T00:00:00Z")).post("/events").then().statusCode(201);
    Response answer;
    long started;
    try (Connection lock = TestDb.connect(); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      sql.execute("LOCK TABLE events IN SHARE MODE");
      started = System.nanoTime();
      answer = given().contentType(ContentType.JSON).body(body).post("/events");
      lock.rollback();
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.header("Retry-After")).isNotBlank();
    assertThat(answer.jsonPath().getString("detail")).contains("nothing was acknowledged");
    assertThat(millis).as("answered soon after the 1 s deadline").isLessThan(5_000);

    // The answer was cut off, the work was not: once the lock is gone the settle commits (stored, never acknowledged).
    String status = "SELECT status FROM raw_events WHERE client_id = ? AND payload->>'metric' = 'm'";
    await("the cut-off settle finishing").atMost(Duration.ofSeconds(30))
        .until(() -> "accepted".equals(TestDb.one(status, client).get("status")));
    Response retry = given().contentType(ContentType.JSON).body(body).post("/events");
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.jsonPath().getString("status")).isEqualTo("duplicate");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ? AND metric = 'm'", client)).isEqualTo(1);
  }

  @Test
  void clientThatStopsMidBodyIsCutOffAndLeavesNothingStored() throws Exception {
    String client = newClientId("stalled");
    byte[] body = event(client, "m", "1", "2024-03-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    long started = System.nanoTime();
    try (Socket socket = new Socket(events.getHost(), events.getPort())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + AdminKey.KEY + "\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, body.length / 2);
      out.flush();
      InputStream in = socket.getInputStream();
      try {
        while (in.read() != -1) {
          // drain whatever the server says before it closes the connection
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server kept a stalled upload open for 20 s", e);
      } catch (java.io.IOException reset) {
        // a reset is a close too
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(millis).as("cut off by the 2 s idle timeout").isBetween(1_500L, 15_000L);
    String like = "%" + client + "%";
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? OR payload::text LIKE ? "
        + "OR position(convert_to(?, 'UTF8') in raw_body) > 0", client, like, client)).isZero();
  }
}
