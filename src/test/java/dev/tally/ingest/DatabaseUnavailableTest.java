package dev.tally.ingest;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;

import dev.tally.platform.ProblemMappers;
import dev.tally.platform.RequestIds;
import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.DisabledOnIntegrationTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With PostgreSQL unreachable, nothing is acknowledged: 503 with Retry-After, quickly, and readiness DOWN.
 * The reactive pool points at a port where nothing listens; Flyway (JDBC) still migrates the real database.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
@TestProfile(DatabaseUnavailableTest.UnreachableDatabase.class)
class DatabaseUnavailableTest {

  /** Health and metrics are served on the management interface, not the API port. */
  @TestHTTPResource(value = "/", management = true)
  URL management;

  public static class UnreachableDatabase implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:9/postgres",
          "tally.database.retry-after-seconds", "7");
    }
  }

  @Test
  void ingestAnswers503WithRetryAfterAndAcknowledgesNothing() {
    String client = newClientId("outage");
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z"))
        .when().post("/events")
        .then().statusCode(503)
        .time(lessThan(10_000L))
        .header("Retry-After", equalTo("7"))
        .contentType("application/problem+json")
        .body("status", equalTo(503))
        .body("detail", containsString("nothing was acknowledged"));
    // The database itself is up (only the reactive pool points nowhere): nothing reached it.
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  /** The warning logged for a 503 carries the request's id, as the response does: an operator can find it. */
  @Test
  @DisabledOnIntegrationTest("the handler sees this JVM's log records; the packaged jar logs in its own process")
  void theLogLineOfA503CarriesTheRequestId() {
    List<String> ids = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record instanceof ExtLogRecord ext && ext.getMessage().contains("Database unavailable")) {
          ids.add(String.valueOf(ext.getMdc(RequestIds.MDC_KEY)));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(ProblemMappers.class.getName());
    logger.addHandler(capture);
    try {
      String answered = given().header(RequestIds.HEADER, "outage-check-17").contentType(ContentType.JSON)
          .body(event(newClientId("outage"), "m", "1", "2024-01-01T00:00:00Z"))
          .post("/events").then().statusCode(503).extract().header(RequestIds.HEADER);
      assertThat(answered).isEqualTo("outage-check-17");
      assertThat(ids).contains("outage-check-17");
    } finally {
      logger.removeHandler(capture);
    }
  }

  @Test
  void batchesAndReadsAnswer503Too() {
    String client = newClientId("outage");
    given().contentType(ContentType.JSON).body("[" + event(client, "m", "1", "2024-01-01T00:00:00Z") + "]")
        .post("/events").then().statusCode(503).header("Retry-After", notNullValue());
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
    given().get("/raw-events").then().statusCode(503);
  }

  @Test
  void readinessIsDownWhileTheDatabaseIsUnreachable() {
    given().port(ManagementPort.of(management)).get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
    given().port(ManagementPort.of(management)).get("/q/health/live").then().statusCode(200);
  }
}
