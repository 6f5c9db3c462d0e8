package dev.tally.sdk;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.security.Keys;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw rows are readable with a read key, so no stored row may hold a write key, also where jsonb cannot hold the
 * message and it is kept byte-exact (a NUL, a lone surrogate, a duplicate key) and where the whole body is kept as
 * received because it cannot be read (truncated, a member twice). Every shape the captured SDKs send, with each
 * defect; the key is looked for with SQL in every stored column.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class KeyRedactionTest {

  private static final String KEY = "${key}";

  /** What the SDKs send, with the key where they put it. */
  static Stream<Arguments> shapes() {
    String segment = Captured.load("segment-1").decodedBody().replace("tally_capture_segment_key", KEY);
    String posthog = Captured.load("posthog-1").decodedBody().replace("tally_capture_posthog_key", KEY);
    String capture = "{\"api_key\":\"" + KEY + "\",\"event\":\"purchase\",\"distinct_id\":\"u\",\"properties\":{\"revenue\":2}}";
    String e = "[{\"event\":\"purchase\",\"distinct_id\":\"u\",\"properties\":{\"revenue\":2,\"token\":\"" + KEY + "\"}}]";
    String track = "{\"writeKey\":\"" + KEY + "\",\"type\":\"track\",\"event\":\"signup\",\"properties\":{\"revenue\":1}}";
    Stream.Builder<Arguments> shapes = Stream.builder();
    for (Object[] shape : new Object[][] {
        {"segment batch", "/v1/batch", segment}, {"posthog batch", "/batch/", posthog}, {"posthog capture", "/capture/", capture},
        {"posthog-js array", "/e/", e}, {"segment track", "/v1/track", track}}) {
      String body = (String) shape[2];
      for (Object[] defect : new Object[][] {
          {"NUL", (UnaryOperator<String>) b -> b.replaceFirst("\"purchase\"|\"signup\"|\"Item Purchased\"|\"item purchased\"", "\"x\\\\u0000y\"")},
          {"lone surrogate", (UnaryOperator<String>) b -> b.replace("\"u\"", "\"\\\\ud800\"").replace("\"user-42\"", "\"\\\\ud800\"")},
          {"duplicate key in a message", (UnaryOperator<String>) b -> b.replaceFirst("\\{\"", "{\"dup\":1,\"dup\":2,\"")
              .replaceFirst("\"batch\":\\[\\{\"", "\"batch\":[{\"dup\":1,\"dup\":2,\"")},
          {"duplicate key in the envelope", (UnaryOperator<String>) b -> b.replaceFirst("\\{\"", "{\"sentAt\":1,\"sentAt\":2,\"")},
          {"truncated", (UnaryOperator<String>) b -> b.substring(0, Math.max(b.indexOf(KEY) + KEY.length() + 3, b.length() - 5))}}) {
        shapes.add(Arguments.of(shape[0] + ", " + defect[0], shape[1], ((UnaryOperator<String>) defect[1]).apply(body)));
      }
    }
    return shapes.build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void noStoredRowHoldsTheKey(String what, String path, String template) {
    String client = newClientId("redact");
    String key = Keys.ingestKey(client);
    assertThat(template).as(what).contains(KEY);
    byte[] body = template.replace(KEY, key).getBytes(StandardCharsets.UTF_8);
    String authorization = path.startsWith("/v1")
        ? "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8))
        : "Bearer " + key;
    int status = given().header("Authorization", authorization).contentType("application/json").body(body).post(path)
        .then().extract().statusCode();

    assertThat(status).as(what).isIn(200, 400);
    assertThat(TestDb.count("SELECT count(*) FROM raw_events WHERE client_id = ?", client)).as(what).isPositive();
    assertThat(TestDb.count("""
        SELECT count(*) FROM raw_events WHERE client_id = ?
           AND (position(convert_to(?, 'UTF8') IN coalesce(raw_body, ''::bytea)) > 0
                OR position(? IN coalesce(payload::text, '')) > 0
                OR position(? IN coalesce(envelope::text, '')) > 0
                OR position(? IN coalesce(reasons::text, '')) > 0)""", client, key, key, key, key))
        .as(what).isZero();
  }
}
