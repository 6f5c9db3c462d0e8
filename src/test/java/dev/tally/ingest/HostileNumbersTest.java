package dev.tally.ingest;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Numbers whose exponents no arithmetic should touch, sent concurrently to clients whose mappings would scale them
 * (epochMillis, amountScale): each is answered 422 rejected at once, its raw row is rejected with the reason (never
 * left pending for the recovery job), and other requests, health included, are answered meanwhile. Before the
 * bound, 1e-2147483646 answered 500 and four bodies of 1e20000000 held the event loops for tens of seconds.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class HostileNumbersTest {

  /** Well under tally.ingest.request-deadline (10s), past which a request is answered 503 instead. */
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  @TestHTTPResource(value = "/", management = true)
  URL management;

  private record Sent(String body, Response response, Duration took) {}

  @Test
  void absurdExponentsAreRejectedAtOnceWhileOtherRequestsAreAnswered() throws Exception {
    String millisClient = newClientId("hostile-millis");
    String scaledClient = newClientId("hostile-scale");
    putMapping(millisClient, "{\"timestampFormat\":\"epochMillis\"}");
    putMapping(scaledClient, "{\"amountScale\":2}");
    List<String> bodies = new ArrayList<>(List.of(
        "{\"clientId\":\"" + millisClient + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":1e-2147483646}",
        "{\"clientId\":\"" + millisClient + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":1e2147483647}",
        "{\"clientId\":\"" + scaledClient + "\",\"metric\":\"m\",\"amount\":1e999999999,\"timestamp\":\"2024-01-01T00:00:00Z\"}",
        "{\"clientId\":\"" + scaledClient + "\",\"metric\":\"m\",\"amount\":\"1e20000000\",\"timestamp\":\"2024-01-01T00:00:00Z\"}"));
    for (int i = 0; i < 4; i++) {
      bodies.add("{\"clientId\":\"" + scaledClient + "\",\"metric\":\"m\",\"amount\":1e20000000,\"timestamp\":\"2024-01-01T00:00:00Z\"}");
    }

    ExecutorService pool = Executors.newFixedThreadPool(bodies.size() + 2);
    try {
      List<CompletableFuture<Sent>> posts = new ArrayList<>();
      for (String body : bodies) {
        posts.add(CompletableFuture.supplyAsync(() -> timed(body,
            () -> given().contentType(ContentType.JSON).body(body).post("/events")), pool));
      }
      CompletableFuture<Sent> ready = CompletableFuture.supplyAsync(() -> timed("ready",
          () -> given().port(ManagementPort.of(management)).get("/q/health/ready")), pool);
      CompletableFuture<Sent> otherClient = CompletableFuture.supplyAsync(() -> timed("raw-events",
          () -> given().queryParam("clientId", newClientId("bystander")).get("/raw-events")), pool);

      assertPrompt(ready.get(30, TimeUnit.SECONDS), 200);
      assertPrompt(otherClient.get(30, TimeUnit.SECONDS), 200);
      for (CompletableFuture<Sent> post : posts) {
        Sent sent = post.get(60, TimeUnit.SECONDS);
        assertPrompt(sent, 422);
        assertThat(sent.response().jsonPath().getString("status")).isEqualTo("rejected");
        assertThat(sent.response().jsonPath().getString("errors[0].message")).as(sent.body()).contains("exponent is out of range");
      }
    } finally {
      pool.shutdownNow();
    }

    List<Map<String, Object>> rows = TestDb.query("SELECT status, reasons->0->>'field' AS field, reasons->0->>'code' AS code"
        + " FROM raw_events WHERE client_id IN (?, ?) ORDER BY id", millisClient, scaledClient);
    assertThat(rows).hasSize(bodies.size()).allSatisfy(row -> assertThat(row).containsEntry("status", "rejected"));
    assertThat(rows).extracting(row -> row.get("field") + ":" + row.get("code")).containsOnly(
        "timestamp:invalid_timestamp", "amount:invalid_amount");
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id IN (?, ?)", millisClient, scaledClient)).isZero();
  }

  /** A batch above tally.normalize.event-loop-max-events is normalized on the worker pool and settled as usual. */
  @Test
  void aLargeBatchMixingAbsurdAndValidAmountsIsSettledElementByElement() {
    String client = newClientId("hostile-batch");
    putMapping(client, "{\"amountScale\":2}");
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 200; i++) {
      String amount = i % 2 == 0 ? "1e20000000" : String.valueOf(i);
      batch.append(i == 0 ? "" : ",").append("{\"clientId\":\"").append(client).append("\",\"metric\":\"m\",\"amount\":")
          .append(amount).append(",\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\"e").append(i).append("\"}");
    }

    Sent sent = timed("batch", () -> given().contentType(ContentType.JSON).body(batch.append("]").toString()).post("/events"));

    assertPrompt(sent, 200);
    assertThat(sent.response().jsonPath().getInt("accepted")).isEqualTo(100);
    assertThat(sent.response().jsonPath().getInt("rejected")).isEqualTo(100);
    assertThat(sent.response().jsonPath().getString("results[1].event.amount")).isEqualTo("0.01");
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'rejected'"
        + " AND reasons @> '[{\"code\":\"invalid_amount\"}]'", client)).isEqualTo(100);
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(100);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'pending'", client)).isZero();
  }

  private static void putMapping(String client, String definition) {
    given().contentType(ContentType.JSON).body(definition).put("/clients/" + client + "/mapping").then().statusCode(201);
  }

  private static Sent timed(String body, Supplier<Response> request) {
    long start = System.nanoTime();
    Response response = request.get();
    return new Sent(body, response, Duration.ofNanos(System.nanoTime() - start));
  }

  private static void assertPrompt(Sent sent, int status) {
    assertThat(sent.response().statusCode()).as("%s answered %s", sent.body(), sent.response().asString()).isEqualTo(status);
    assertThat(sent.took()).as("%s answered after %s", sent.body(), sent.took()).isLessThan(PROMPTLY);
  }
}
