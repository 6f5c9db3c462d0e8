package dev.tally.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * One unreliable client with its own clientId: singles, JSON-array and NDJSON batches, renamed fields, malformed
 * bodies and exact re-sends; on a timeout, a 5xx or a connection error it sends the same body again with backoff,
 * as a well-behaved client would, until it gets an answer or gives up. Every event a 2xx acknowledged goes into the
 * ledger, batch elements according to their per-element results.
 */
final class VirtualClient implements Runnable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(60);

  /** A body that was acknowledged, kept for exact re-sends; elements are Ledger.Expected or null for a bad element. */
  private record Sent(String body, String contentType, boolean batch, List<Ledger.Expected> elements) {}

  private record Answer(int status, JsonNode body, int attempts) {}

  private final String baseUrl;
  private final String apiKey;
  private final EventGenerator generator;
  private final Random random;
  private final Ledger ledger;
  private final Stats stats;
  private final FaultTimeline timeline;
  private final BooleanSupplier running;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Sent> acknowledged = new ArrayList<>();

  VirtualClient(String baseUrl, String apiKey, String clientId, long seed, Ledger ledger, Stats stats,
      FaultTimeline timeline, BooleanSupplier running) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.random = new Random(seed);
    this.generator = new EventGenerator(clientId, random);
    this.ledger = ledger;
    this.stats = stats;
    this.timeline = timeline;
    this.running = running;
  }

  @Override
  public void run() {
    while (running.getAsBoolean()) {
      try {
        int dice = random.nextInt(100);
        if (dice < 40) {
          single();
        } else if (dice < 55) {
          batch(false);
        } else if (dice < 70) {
          batch(true);
        } else if (dice < 85 && !acknowledged.isEmpty()) {
          resend();
        } else {
          malformed();
        }
        Thread.sleep(random.nextInt(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        stats.unexpected("client error: " + e);
      }
    }
  }

  private void single() throws InterruptedException {
    stats.singles.incrementAndGet();
    Ledger.Expected event = generator.next();
    ledger.sent(event);
    String body = generator.render(event);
    String type = random.nextInt(5) == 0 ? null : "application/json";
    Answer answer = send(body, type);
    if (answer == null) {
      return;
    }
    String status = answer.body.path("status").asText();
    if ((answer.status == 201 && "accepted".equals(status)) || (answer.status == 200 && "duplicate".equals(status))) {
      if ("duplicate".equals(status) && answer.attempts == 1) {
        stats.unexpected("a new event was answered duplicate on its first attempt: " + body);
      }
      ledger.acknowledged(event);
      remember(new Sent(body, type, false, List.of(event)));
    } else {
      stats.unexpected(answer.status + " " + answer.body + " for " + body);
    }
  }

  private void batch(boolean ndjson) throws InterruptedException {
    stats.batches.incrementAndGet();
    int size = 2 + random.nextInt(14);
    List<Ledger.Expected> elements = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (random.nextInt(12) == 0) {
        elements.add(null);
        texts.add(ndjson && random.nextBoolean() ? "{\"clientId\": oops" : "42");
      } else if (i > 0 && random.nextInt(10) == 0 && elements.get(i - 1) != null) {
        elements.add(elements.get(i - 1)); // the same event twice in one batch: the second is a duplicate
        texts.add(generator.render(elements.get(i - 1)));
      } else {
        Ledger.Expected event = generator.next();
        ledger.sent(event);
        elements.add(event);
        texts.add(generator.render(event));
      }
    }
    String body = ndjson ? String.join("\n", texts) + "\n" : "[" + String.join(",", texts) + "]";
    String type = ndjson ? "application/x-ndjson" : "application/json";
    Answer answer = send(body, type);
    if (answer == null) {
      return;
    }
    JsonNode results = answer.body.path("results");
    if (answer.status != 200 || results.size() != size) {
      stats.unexpected(answer.status + " " + answer.body + " for a batch of " + size);
      return;
    }
    for (int i = 0; i < size; i++) {
      String status = results.get(i).path("status").asText();
      Ledger.Expected event = elements.get(i);
      if (event == null) {
        if (!"rejected".equals(status) && !"unparseable".equals(status)) {
          stats.unexpected("bad batch element " + texts.get(i) + " answered " + results.get(i));
        }
      } else if ("accepted".equals(status) || "duplicate".equals(status)) {
        ledger.acknowledged(event);
      } else {
        stats.unexpected("batch element " + texts.get(i) + " answered " + results.get(i));
      }
    }
    remember(new Sent(body, type, true, elements));
  }

  private void resend() throws InterruptedException {
    stats.resends.incrementAndGet();
    Sent sent = acknowledged.get(random.nextInt(acknowledged.size()));
    Answer answer = send(sent.body, sent.contentType);
    if (answer == null) {
      return;
    }
    if (!sent.batch) {
      if (answer.status != 200 || !"duplicate".equals(answer.body.path("status").asText())) {
        stats.resendAccepted.incrementAndGet();
        stats.unexpected("re-send of an acknowledged event answered " + answer.status + " " + answer.body);
      }
      return;
    }
    JsonNode results = answer.body.path("results");
    for (int i = 0; i < sent.elements.size(); i++) {
      String status = results.path(i).path("status").asText();
      if (sent.elements.get(i) != null && !"duplicate".equals(status)) {
        stats.resendAccepted.incrementAndGet();
        stats.unexpected("re-sent batch element " + i + " answered " + results.path(i));
      }
    }
  }

  private void malformed() throws InterruptedException {
    stats.malformed.incrementAndGet();
    String body = generator.malformed();
    Answer answer = send(body, "application/json");
    if (answer != null && answer.status != 400 && answer.status != 422) {
      stats.unexpected("malformed body answered " + answer.status + " " + answer.body + ": " + body);
    }
  }

  private void remember(Sent sent) {
    if (acknowledged.size() < 50) {
      acknowledged.add(sent);
    } else {
      acknowledged.set(random.nextInt(acknowledged.size()), sent);
    }
  }

  /** Sends until an answer that is not a 5xx arrives; null when it gives up (the body may or may not be stored). */
  private Answer send(String body, String contentType) throws InterruptedException {
    long first = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      if (attempt > 1) {
        stats.retries.incrementAndGet();
        if (System.nanoTime() - first > GIVE_UP_AFTER.toNanos()) {
          stats.givenUp.incrementAndGet();
          return null;
        }
        Thread.sleep(Math.min(2000, 50L << Math.min(attempt, 6)) + random.nextInt(100));
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/events"))
          .timeout(REQUEST_TIMEOUT)
          .POST(HttpRequest.BodyPublishers.ofString(body));
      if (contentType != null) {
        request.header("Content-Type", contentType);
      }
      request.header("Authorization", "Bearer " + apiKey);
      long sentAt = System.nanoTime();
      stats.requests.incrementAndGet();
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException e) {
        stats.timeouts.incrementAndGet();
        timeline.noAnswer(sentAt, System.nanoTime());
        continue;
      } catch (IOException e) {
        stats.connectionErrors.incrementAndGet();
        timeline.noAnswer(sentAt, System.nanoTime());
        continue;
      }
      int status = response.statusCode();
      if (status >= 500) {
        stats.answered5xx.incrementAndGet();
        continue;
      }
      if (status >= 200 && status < 300) {
        stats.answered2xx.incrementAndGet();
        timeline.success(sentAt, System.nanoTime());
      } else {
        stats.answered4xx.incrementAndGet();
      }
      try {
        return new Answer(status, JSON.readTree(response.body()), attempt);
      } catch (IOException e) {
        stats.unexpected("answer " + status + " is not JSON: " + response.body());
        return new Answer(status, JSON.createObjectNode(), attempt);
      }
    }
  }
}
