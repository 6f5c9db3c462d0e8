package dev.tally.security;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** Creates keys through the API, as an admin, for the security tests. */
public final class Keys {

  private Keys() {}

  /** POST /keys with the admin key; returns the whole response (id, key, ...). */
  public static JsonPath create(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/keys")
        .then().statusCode(201).extract().jsonPath();
  }

  public static String ingestKey(String clientId) {
    return create("{\"role\":\"ingest\",\"clientIds\":[\"" + clientId + "\"]}").getString("key");
  }

  public static String readKey(String... clientIds) {
    return create("{\"role\":\"read\",\"clientIds\":[\"" + String.join("\",\"", clientIds) + "\"]}").getString("key");
  }
}
