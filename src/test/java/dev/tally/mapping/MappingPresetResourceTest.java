package dev.tally.mapping;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Mapping presets over HTTP: GET /mapping-presets, and PUT /clients/{clientId}/mapping naming a preset. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class MappingPresetResourceTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String SEGMENT_EXPANDED = "{\"fields\": {\"amount\": \"/properties/revenue\", \"eventId\": \"/messageId\", "
      + "\"metric\": \"/event\", \"timestamp\": \"/timestamp\"}, \"timestampFormat\": \"iso8601\", \"metricFormat\": \"snake_case\"}";

  @Test
  void aPresetIsStoredExpandedAndTheSameExpansionAgainIsTheSameVersion() {
    String client = newClientId("segment");
    given().contentType(ContentType.JSON).body("{\"preset\": \"segment\", \"fields\": {\"amount\": \"/properties/revenue\"}}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(201)
        .body("version", equalTo(1))
        .body("definition", not(hasKey("preset")))
        .body("definition.fields.amount", equalTo("/properties/revenue"))
        .body("definition.fields.eventId", equalTo("/messageId"))
        .body("definition.fields.metric", equalTo("/event"))
        .body("definition.fields.timestamp", equalTo("/timestamp"))
        .body("definition.timestampFormat", equalTo("iso8601"))
        .body("definition.metricFormat", equalTo("snake_case"));
    assertThat(storedDefinitions(client)).containsExactly(json(SEGMENT_EXPANDED));

    // The preset again, and the same definition written out by hand: presets are ordinary versions once saved.
    given().contentType(ContentType.JSON).body("{\"fields\": {\"amount\": \"/properties/revenue\"}, \"preset\": \"segment\"}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(200).body("version", equalTo(1));
    given().contentType(ContentType.JSON).body(SEGMENT_EXPANDED).put("/clients/" + client + "/mapping")
        .then().statusCode(200).body("version", equalTo(1));
    assertThat(storedDefinitions(client)).hasSize(1);

    // The body's own parts override the preset's, per field.
    given().contentType(ContentType.JSON)
        .body("{\"preset\": \"segment\", \"fields\": {\"amount\": \"/properties/cents\", \"metric\": \"/properties/sku\"}, \"amountScale\": 2}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(201).body("version", equalTo(2));
    assertThat(storedDefinitions(client)).containsExactly(json(SEGMENT_EXPANDED), json(
        "{\"fields\": {\"amount\": \"/properties/cents\", \"eventId\": \"/messageId\", \"metric\": \"/properties/sku\", "
            + "\"timestamp\": \"/timestamp\"}, \"amountScale\": 2, \"timestampFormat\": \"iso8601\", \"metricFormat\": \"snake_case\"}"));
  }

  @Test
  void eachPresetReadsItsSdksFieldNames() {
    String rudder = newClientId("rudder");
    String posthog = newClientId("posthog");
    given().contentType(ContentType.JSON).body("{\"preset\": \"rudderstack\", \"fields\": {\"amount\": \"/properties/revenue\"}}")
        .put("/clients/" + rudder + "/mapping").then().statusCode(201);
    given().contentType(ContentType.JSON).body("{\"preset\": \"posthog\", \"fields\": {\"amount\": \"/properties/revenue\"}}")
        .put("/clients/" + posthog + "/mapping").then().statusCode(201);

    assertThat(storedDefinitions(rudder)).containsExactly(json("{\"fields\": {\"amount\": \"/properties/revenue\", \"eventId\": \"/messageId\", "
        + "\"metric\": \"/event\", \"timestamp\": \"/originalTimestamp\"}, \"timestampFormat\": \"iso8601\", \"metricFormat\": \"snake_case\"}"));
    assertThat(storedDefinitions(posthog)).containsExactly(json("{\"fields\": {\"amount\": \"/properties/revenue\", \"eventId\": \"/uuid\", "
        + "\"metric\": \"/event\", \"timestamp\": \"/timestamp\"}, \"timestampFormat\": \"iso8601\", \"metricFormat\": \"snake_case\"}"));
  }

  @Test
  void anSdkMessageIsNormalizedWithThePresetMapping() {
    String client = newClientId("sdk");
    given().contentType(ContentType.JSON).body("{\"preset\": \"posthog\", \"fields\": {\"amount\": \"/properties/revenue\"}}")
        .put("/clients/" + client + "/mapping").then().statusCode(201);

    given().contentType(ContentType.JSON)
        .body("{\"clientId\": \"" + client + "\", \"distinct_id\": \"u1\", \"event\": \"purchase\", \"properties\": {\"revenue\": 12.5, "
            + "\"$lib\": \"posthog-node\"}, \"timestamp\": \"2024-03-01T10:00:00.000Z\", \"uuid\": \"019ac0a1-2b3c-7d4e-8f50-6a7b8c9d0e1f\"}")
        .post("/events")
        .then().statusCode(201)
        .body("event.metric", equalTo("purchase"))
        .body("event.eventId", equalTo("019ac0a1-2b3c-7d4e-8f50-6a7b8c9d0e1f"));

    Map<String, Object> stored = TestDb.one(
        "SELECT metric, amount, ts::text AS ts, event_id, mapping_version FROM events WHERE client_id = ?", client);
    assertThat(stored.get("metric")).isEqualTo("purchase");
    assertThat((BigDecimal) stored.get("amount")).isEqualByComparingTo("12.5");
    assertThat(stored.get("ts")).isEqualTo("2024-03-01 10:00:00+00");
    assertThat(stored.get("event_id")).isEqualTo("019ac0a1-2b3c-7d4e-8f50-6a7b8c9d0e1f");
    assertThat(stored.get("mapping_version")).isEqualTo(1);
  }

  @Test
  void anUnknownPresetOrAPresetWithoutAmountIs400AndStoresNothing() {
    String client = newClientId("badpreset");
    given().contentType(ContentType.JSON).body("{\"preset\": \"mixpanel\", \"fields\": {\"amount\": \"/properties/revenue\"}, \"timezone\": \"Mars/Olympus\"}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(400)
        .contentType("application/problem+json")
        .body("errors", hasSize(2))
        .body("errors.code", hasItems("unknown_preset", "unknown_timezone"))
        .body("errors.find { it.code == 'unknown_preset' }.field", equalTo("preset"))
        .body("errors.find { it.code == 'unknown_preset' }.message", containsString("known presets: posthog, rudderstack, segment"));
    given().contentType(ContentType.JSON).body("{\"preset\": \"segment\"}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(400)
        .contentType("application/problem+json")
        .body("errors", hasSize(1))
        .body("errors[0].field", equalTo("fields.amount"))
        .body("errors[0].code", equalTo("preset_requires_amount"))
        .body("errors[0].message", containsString("{\"preset\": \"segment\", \"fields\": {\"amount\": \"/properties/revenue\"}}"));
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id = ?", client)).isZero();
  }

  @Test
  void thePresetsAreListedWithoutAnAmountAndWithTheNoteThatOneIsRequired() {
    given().get("/mapping-presets")
        .then().statusCode(200)
        .body("items.name", contains("posthog", "rudderstack", "segment", "snowplow"))
        .body("items.definition.fields.amount", everyItem(nullValue()))
        .body("items.definition.timestampFormat", contains("iso8601", "iso8601", "iso8601", "epochMillis"))
        .body("items.note", everyItem(containsString("fields.amount is required")))
        .body("items.find { it.name == 'rudderstack' }.definition.fields.timestamp", equalTo("/originalTimestamp"));
    given().get("/mapping-presets/posthog")
        .then().statusCode(200)
        .body("name", equalTo("posthog"))
        .body("description", containsString("posthog-node"))
        .body("definition.fields.eventId", equalTo("/uuid"))
        .body("definition.fields.metric", equalTo("/event"))
        .body("definition.fields.timestamp", equalTo("/timestamp"));
    given().get("/mapping-presets/mixpanel")
        .then().statusCode(404)
        .contentType("application/problem+json")
        .body("detail", containsString("known presets: posthog, rudderstack, segment"));
  }

  /** The stored jsonb definitions, oldest first, as JSON trees (jsonb has its own key order). */
  private static List<JsonNode> storedDefinitions(String client) {
    return TestDb.query("SELECT definition::text AS definition FROM client_mappings WHERE client_id = ? ORDER BY version", client)
        .stream().map(row -> json((String) row.get("definition"))).toList();
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
