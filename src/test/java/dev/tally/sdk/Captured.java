package dev.tally.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * A request recorded from a real SDK by src/test/sdk/capture.mjs (src/test/resources/sdk/captured): its path,
 * headers, exact body bytes and decoded JSON text, and the write key it was sent with.
 */
record Captured(String sdk, String path, JsonNode headers, byte[] body, String decodedBody) {

  static Captured load(String name) {
    try (InputStream in = Captured.class.getResourceAsStream("/sdk/captured/" + name + ".json")) {
      if (in == null) {
        throw new IllegalArgumentException("no captured request " + name);
      }
      JsonNode json = new ObjectMapper().readTree(in);
      return new Captured(json.get("sdk").asText(), json.get("path").asText(), json.get("headers"),
          Base64.getDecoder().decode(json.get("bodyBase64").asText()), json.get("decodedBody").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String header(String name) {
    JsonNode value = headers.get(name);
    return value == null ? null : value.asText();
  }

  /** The key capture.mjs gave the SDK: tally_capture_<sdk>_key. */
  String writeKey() {
    return "tally_capture_" + sdk + "_key";
  }
}
