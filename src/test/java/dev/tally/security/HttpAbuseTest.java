package dev.tally.security;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a hostile or broken client can do over HTTP, and that none of it stores more than it should. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class HttpAbuseTest {

  private static final String SQL = "x'); DELETE FROM events; DROP TABLE raw_events; --\" OR 1=1 /*";

  @TestHTTPResource("/")
  URL api;

  @TestHTTPResource(value = "/", management = true)
  URL management;

  @Test
  void oversizedHeadersAreRefusedAndTheServerKeepsServing() throws Exception {
    String client = newClientId("headers");
    byte[] body = event(client, "m", "1", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    String head = head(body.length).replace("\r\n\r\n", "\r\nX-Padding: " + "a".repeat(64 * 1024) + "\r\n\r\n");
    // The server may answer 431 and close while the head is still being written: the client then sees a broken
    // pipe or a reset instead of the answer (CI saw exactly that through rest-assured). Both are refusals; an
    // answer, when one arrives, must be one.
    String answer;
    try (Socket socket = connect()) {
      socket.setSoTimeout(5000);
      try {
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
      } catch (IOException closedWhileWriting) {
        // the refusal arrived first; the answer may still be readable below
      }
      try {
        answer = statusLine(socket.getInputStream());
      } catch (SocketException reset) {
        answer = "";
      }
    }
    if (!answer.isEmpty()) {
      assertThat(answer).matches("HTTP/1\\.1 (400|413|431) .*\r?");
    }
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void refusedRequestsAreAnsweredWithoutWaitingForTheirBody() throws Exception {
    String client = newClientId("unread");
    String read = "Authorization: Bearer " + Keys.readKey(client) + "\r\n";
    String ingest = "Authorization: Bearer " + Keys.ingestKey(client) + "\r\n";
    String[][] refused = {
        {"POST /events", "", "401"},
        {"POST /events", read, "403"},
        {"POST /v1/batch", read, "403"},
        {"PUT /clients/" + client + "/mapping", ingest, "403"},
    };
    for (String[] request : refused) {
      try (Socket socket = connect()) {
        // A head promising a body that never comes: reading it first would mean no answer for tally.ingest.body-timeout.
        socket.setSoTimeout(5000);
        socket.getOutputStream().write((request[0] + " HTTP/1.1\r\nHost: localhost\r\n" + request[1]
            + "Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(statusLine(socket.getInputStream())).as(request[0] + " " + request[1]).contains(" " + request[2] + " ");
        // Not a byte of it held either, while the connection is still open.
        given().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200)
            .body(matchesPattern("(?s).*\ntally_http_body_bytes_in_flight_bytes(\\{[^}]*})? 0\\.0\n.*"));
      }
    }
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id = ?", client)).isZero();
  }

  @Test
  void aSlowBodyIsStoredOnceWhenItFinallyArrives() throws Exception {
    String client = newClientId("slow");
    byte[] body = event(client, "m", "1", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(head(body.length).getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < body.length; i += 16) {
        out.write(body, i, Math.min(16, body.length - i));
        out.flush();
        Thread.sleep(40);
      }
      assertThat(statusLine(socket.getInputStream())).contains(" 201 ");
    }
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void aBodyShorterThanItsContentLengthStoresNothing() throws Exception {
    String client = newClientId("short");
    byte[] body = event(client, "m", "1", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = send(body.length + 100, body)) {
      socket.shutdownOutput(); // the client gives up: the promised 100 bytes never come
      statusLineOrNothing(socket.getInputStream());
    }
    // Not a look at one instant after a fixed pause: nothing may turn up at any poll for half a second.
    await("nothing stored of the body cut short").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
        .until(() -> TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? OR position(convert_to(?, 'UTF8') IN raw_body) > 0",
            client, client) == 0);
  }

  @Test
  void aBodyLongerThanItsContentLengthIsCutThereAndTheRestIsNotAnEvent() throws Exception {
    String client = newClientId("long");
    byte[] body = event(client, "m", "1", "2024-01-01T00:00:00Z").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = send(10, body)) {
      // Only the declared 10 bytes are the body: not JSON, kept raw and answered 400; the rest is not a request.
      assertThat(statusLine(socket.getInputStream())).contains(" 400 ");
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void declaredOversizedBodiesAndBatchesAre413AndStoreNothing() {
    String client = newClientId("huge");
    String batch = "[" + String.join(",", Collections.nCopies(1001, event(client, "m", "1", "2024-01-01T00:00:00Z"))) + "]";
    given().contentType(ContentType.JSON).body(batch).post("/events").then().statusCode(413);
    given().contentType(ContentType.JSON).body("{\"clientId\":\"" + client + "\",\"pad\":\"" + "a".repeat(1_100_000) + "\"}")
        .post("/events").then().statusCode(413);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void sqlMetacharactersInEveryStringFieldAreStoredVerbatimAndRejectedOnlyByTheRules() {
    String client = newClientId("sql");
    // eventId accepts any text: it reaches the database as a bound value, byte for byte.
    given().contentType(ContentType.JSON)
        .body("{\"clientId\":\"" + client + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":"
            + json(SQL) + ",\"note\":" + json(SQL) + "}")
        .post("/events").then().statusCode(201).body("event.eventId", equalTo(SQL));
    assertThat(TestDb.one("SELECT event_id FROM events WHERE client_id = ?", client).get("event_id")).isEqualTo(SQL);
    // clientId and metric have a grammar: rejected by it, kept raw.
    given().contentType(ContentType.JSON)
        .body("{\"clientId\":" + json(SQL) + ",\"metric\":" + json(SQL) + ",\"amount\":" + json(SQL) + ",\"timestamp\":" + json(SQL) + "}")
        .post("/events").then().statusCode(422);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE payload->>'metric' = ?", SQL)).isGreaterThanOrEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events")).isPositive();
    // The statements in the text ran nowhere: this test's own event is still there.
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    String description = Keys.create("{\"role\":\"read\",\"allClients\":true,\"description\":" + json(SQL) + "}").getString("description");
    assertThat(description).isEqualTo(SQL);
  }

  @Test
  void sqlMetacharactersInQueryParametersMatchNothingInsteadOfEverything() {
    // There are rows (this test's own at least): a query built by concatenation would return them all, or fail.
    String client = newClientId("sqlq");
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    for (String injection : new String[] {"' OR '1'='1", "x' OR 1=1 --", SQL, "%", "*"}) {
      given().queryParam("clientId", injection).get("/raw-events").then().statusCode(200).body("items", is(empty()));
      given().queryParam("clientId", injection).queryParam("metric", injection).queryParam("granularity", "total")
          .get("/aggregates").then().statusCode(200).body("rows", is(empty()));
      given().queryParam("clientId", injection).get("/events/" + "0".repeat(64)).then().statusCode(404);
      given().queryParam("after", injection).get("/raw-events").then().statusCode(400);
      given().queryParam("status", injection).get("/raw-events").then().statusCode(400);
      given().queryParam("limit", injection).get("/raw-events").then().statusCode(400);
      given().queryParam("from", injection).get("/aggregates").then().statusCode(400);
    }
    assertThat(TestDb.count("SELECT count(*) FROM raw_events")).isPositive();
    // The count above holds whatever other tests stored; this test's own rows are what nothing may have touched.
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted'", client)).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
  }

  @Test
  void pathTraversalInClientIdsReachesNothing() {
    String reader = Keys.readKey(newClientId("trav"));
    for (String path : new String[] {"/clients/..%2Fkeys/mapping", "/clients/%2E%2E/mapping", "/clients/a%2F..%2F..%2Fkeys/mapping"}) {
      given().get(path).then().statusCode(anyOf(is(400), is(404)));
    }
    given().header("Authorization", "Bearer " + reader).get("/events/..%2F..%2Fkeys?clientId=x").then().statusCode(403);
    given().header("Authorization", "Bearer " + reader).get("/events/../keys").then().statusCode(403);
    // Matches no route at all (the dots are not a path step): 404, as any path that is no route.
    given().header("Authorization", "Bearer " + reader).get("/events/%2E%2E/%2E%2E/keys").then().statusCode(anyOf(is(403), is(404)));
    String client = newClientId("trav");
    given().contentType(ContentType.JSON).body(event("../../" + client, "m", "1", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(422).body("errors[0].code", equalTo("invalid_client_id"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id LIKE ?", "%" + client)).isZero();
  }

  private Socket connect() throws IOException {
    return new Socket(api.getHost(), api.getPort());
  }

  /** A POST /events whose head declares {@code contentLength}, followed by {@code body} whatever its length. */
  private Socket send(int contentLength, byte[] body) throws IOException {
    Socket socket = connect();
    try {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(head(contentLength).getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static String head(int contentLength) {
    return "POST /events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + AdminKey.KEY
        + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString();
  }

  private static void statusLineOrNothing(InputStream in) {
    try {
      statusLine(in);
    } catch (IOException closedOrTimedOut) {
      // either is fine: what matters is what was stored
    }
  }

  private static String json(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
