package dev.tally.platform;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.equalToIgnoringCase;
import static org.hamcrest.Matchers.not;

import dev.tally.inspect.EventQueries;
import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One reading of query parameters on Tally's own routes: exact names, each at most once, no NUL; anything else is a 400
 * naming the parameter. And a read key's scope holds in SQL, not only in the access check.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class QueryParametersTest {

  @Inject EventQueries queries;

  @Test
  void aReadKeyCannotReadAnotherClientsEventThroughADifferentlySpelledParameter() {
    String a = newClientId("scope-a");
    String b = newClientId("scope-b");
    String fingerprint = given().contentType(ContentType.JSON).body(event(b, "m", "1", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(201).extract().path("fingerprint");
    String readA = Keys.readKey(a);
    for (String spelling : List.of("clientid", "CLIENTID", "ClientId", "client_id")) {
      given().header("Authorization", "Bearer " + readA).get("/events/" + fingerprint + "?" + spelling + "=" + b)
          .then().statusCode(400).body("parameter", equalTo(spelling)).body("detail", not(containsString("\"amount\"")));
    }
    given().header("Authorization", "Bearer " + readA).get("/events/" + fingerprint + "?clientId=" + b).then().statusCode(403);
  }

  @Test
  void theEventLookupIsScopedInSqlToo() {
    String a = newClientId("sql-a");
    String b = newClientId("sql-b");
    String fingerprint = given().contentType(ContentType.JSON).body(event(b, "m", "2", "2024-01-01T00:00:00Z")).post("/events")
        .then().statusCode(201).extract().path("fingerprint");
    // Past the access check, a caller scoped to client a still finds nothing of b's.
    assertThat(queries.findEvent(b, fingerprint, null).await().atMost(Duration.ofSeconds(10)).clientId()).isEqualTo(b);
    assertThat(queries.findEvent(b, fingerprint, List.of(a)).onItem().<Object>transform(found -> found)
            .onFailure(NotFoundException.class).recoverWithItem("not found").await().atMost(Duration.ofSeconds(10)))
        .isEqualTo("not found");
  }

  @ParameterizedTest
  @CsvSource({
      "/aggregates?tz=UTC&tz=UTC, tz", "/aggregates?tz=Not/AZone, tz", "/aggregates?clientid=x, clientid",
      "/aggregates?metric=a&metric=b, metric", "/raw-events?Status=rejected, Status", "/raw-events?after=1&after=2, after",
      "/raw-events?limit=5&cursor=3, cursor", "/events/abc?clientId=x&extra=1, extra", "/keys?all=true, all",
      "/mapping-presets?x=1, x"})
  void unknownRepeatedOrDifferentlyCasedParametersAre400NamingThem(String request, String parameter) {
    given().get(request).then().statusCode(400).contentType("application/problem+json").body("parameter", equalTo(parameter));
  }

  @Test
  void aParameterGivenTwiceInTwoSpellingsIsRefused() {
    // Whichever spelling the server names, it must not pick one of the two values.
    given().get("/aggregates?granularity=day&Granularity=hour").then().statusCode(400).contentType("application/problem+json")
        .body("parameter", equalToIgnoringCase("granularity"));
  }

  @Test
  void aParameterOnAnIngestRouteIsRefusedBeforeAnythingIsStored() {
    String client = newClientId("post-param");
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events?dryRun=true")
        .then().statusCode(400).body("parameter", equalTo("dryRun"));
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).isZero();
  }

  @Test
  void utcIsTheOneZoneAggregatesAnswerToday() {
    given().get("/aggregates?tz=UTC&granularity=total").then().statusCode(200);
    given().get("/aggregates?tz=Etc/UTC&granularity=day").then().statusCode(200);
  }

  @Test
  void theSdkRoutesAcceptWhateverTheirSdksSend() {
    // Refused for its key (401), not for its parameters.
    given().header(AdminKey.ANONYMOUS, "yes").contentType(ContentType.JSON).body("{\"api_key\":\"unknown\",\"batch\":[]}")
        .post("/batch/?compression=none&ver=1.2.3&_=1700000000").then().statusCode(401);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/aggregates?clientId=a%00b", "/aggregates?metric=%00", "/raw-events?clientId=%00", "/events/a%00b?clientId=x",
      "/events/abc?clientId=x%00"})
  void aNulInAQueryOrPathValueIs400Not500(String request) {
    // Sent as written: rest-assured would otherwise encode the % itself.
    given().urlEncodingEnabled(false).get(request).then().statusCode(400).contentType("application/problem+json")
        .body("detail", containsString("NUL"));
  }

  @Test
  void revokingAKeyWithANulInItsIdIs400() {
    given().urlEncodingEnabled(false).delete("/keys/a%00b").then().statusCode(400).contentType("application/problem+json");
  }

}
