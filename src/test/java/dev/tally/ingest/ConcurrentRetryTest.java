package dev.tally.ingest;

import static dev.tally.support.Events.eventWithId;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The database, not the application, decides duplicates: racing identical posts store one event. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class ConcurrentRetryTest {

  @Test
  void fiftyParallelIdenticalPostsStoreOneEvent() throws Exception {
    String client = newClientId("race");
    String body = eventWithId(client, "same", "42.42");
    int posts = 50;
    ExecutorService pool = Executors.newFixedThreadPool(posts);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < posts; i++) {
        Callable<Integer> post = () -> {
          start.await();
          return given().contentType(ContentType.JSON).body(body).post("/events").statusCode();
        };
        statuses.add(pool.submit(post));
      }
      start.countDown();
      List<Integer> codes = new ArrayList<>();
      for (Future<Integer> status : statuses) {
        codes.add(status.get(60, TimeUnit.SECONDS));
      }
      assertThat(codes).filteredOn(c -> c == 201).hasSize(1);
      assertThat(codes).filteredOn(c -> c == 200).hasSize(posts - 1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(TestDb.count("SELECT count(*) FROM events WHERE client_id = ?", client)).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'accepted'", client)).isEqualTo(1);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ? AND status = 'duplicate'", client)).isEqualTo(posts - 1);
  }
}
