package dev.tally.mapping;

import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.tally.support.AdminKey;
import dev.tally.support.TestDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PUT/GET /clients/{clientId}/mapping: validation up front, immutable numbered versions. */
@QuarkusTest
@ExtendWith(AdminKey.class)
class MappingResourceTest {

  static final String DEFINITION = """
      {"fields": {"amount": "/price", "timestamp": "/meta/ts", "metric": "/event", "eventId": "/txn"},
       "timestampFormat": "pattern:yyyy-MM-dd HH:mm:ss", "timezone": "Europe/Berlin", "amountScale": 2}""";

  @Test
  void savingCreatesVersionsAndAnIdenticalSaveCreatesNone() {
    String client = newClientId("versions");
    given().contentType(ContentType.JSON).body(DEFINITION).put("/clients/" + client + "/mapping")
        .then().statusCode(201)
        .body("clientId", equalTo(client))
        .body("version", equalTo(1))
        .body("createdAt", notNullValue())
        .body("definition.fields.amount", equalTo("/price"))
        .body("definition.timezone", equalTo("Europe/Berlin"))
        .body("definition.amountScale", equalTo(2));
    // The same definition, keys in another order: nothing new.
    given().contentType(ContentType.JSON)
        .body("{\"amountScale\": 2, \"timezone\": \"Europe/Berlin\", \"timestampFormat\": \"pattern:yyyy-MM-dd HH:mm:ss\","
            + " \"fields\": {\"eventId\": \"/txn\", \"metric\": \"/event\", \"timestamp\": \"/meta/ts\", \"amount\": \"/price\"}}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(200).body("version", equalTo(1));
    given().contentType(ContentType.JSON).body("{\"fields\": {\"amount\": \"/total\"}}").put("/clients/" + client + "/mapping")
        .then().statusCode(201).body("version", equalTo(2)).body("definition.timezone", nullValue());

    given().get("/clients/" + client + "/mapping")
        .then().statusCode(200).body("version", equalTo(2)).body("definition.fields.amount", equalTo("/total"));
    given().get("/clients/" + client + "/mapping/versions")
        .then().statusCode(200)
        .body("clientId", equalTo(client))
        .body("versions.version", contains(1, 2))
        .body("versions[0].definition.fields.amount", equalTo("/price"));
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id = ?", client)).isEqualTo(2);
    // What was answered is what PostgreSQL holds.
    assertThat(TestDb.query("SELECT version, definition->'fields'->>'amount' AS amount, definition->>'timezone' AS timezone,"
        + " definition->>'amountScale' AS scale FROM client_mappings WHERE client_id = ? ORDER BY version", client))
        .extracting(row -> row.get("version"), row -> row.get("amount"), row -> row.get("timezone"), row -> row.get("scale"))
        .containsExactly(tuple(1, "/price", "Europe/Berlin", "2"), tuple(2, "/total", null, null));
  }

  @Test
  void anInvalidDefinitionIs400NamingEveryProblemAndStoresNothing() {
    String client = newClientId("invalid");
    given().contentType(ContentType.JSON)
        .body("{\"fields\": {\"price\": \"/p\", \"amount\": \"p\"}, \"timezone\": \"Mars/Olympus\", \"amountScale\": 40,"
            + " \"timestampFormat\": \"pattern:yyyy\", \"colour\": \"blue\"}")
        .put("/clients/" + client + "/mapping")
        .then().statusCode(400)
        .contentType("application/problem+json")
        .body("errors", hasSize(6))
        .body("errors.field", hasItems("fields.price", "fields.amount", "timezone", "amountScale", "timestampFormat", "colour"))
        .body("errors.code", hasItems("unknown_field", "invalid_pointer", "unknown_timezone", "invalid_amount_scale",
            "invalid_timestamp_format", "unknown_property"));
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id = ?", client)).isZero();
  }

  @Test
  void aClientWithoutMappingHasNoCurrentVersionAndAnEmptyHistory() {
    String client = newClientId("none");
    given().get("/clients/" + client + "/mapping").then().statusCode(404).contentType("application/problem+json");
    given().get("/clients/" + client + "/mapping/versions").then().statusCode(200).body("versions", hasSize(0));
  }

  @Test
  void anInvalidClientIdOrBodyIs400() {
    given().contentType(ContentType.JSON).body("{}").put("/clients/bad id/mapping")
        .then().statusCode(400).body("parameter", equalTo("clientId"));
    String broken = newClientId("broken");
    String array = newClientId("array");
    given().contentType(ContentType.JSON).body("{\"fields\": ").put("/clients/" + broken + "/mapping")
        .then().statusCode(400);
    given().contentType(ContentType.JSON).body("[]").put("/clients/" + array + "/mapping")
        .then().statusCode(400).body("errors[0].code", equalTo("not_an_object"));
    assertThat(TestDb.count("SELECT count(*) FROM client_mappings WHERE client_id IN (?, ?, 'bad id')", broken, array)).isZero();
  }
}
