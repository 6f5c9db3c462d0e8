package dev.tally.sdk;

import dev.tally.ingest.BodyDecoder;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * posthog-js' form bodies ({@code ?compression=base64}, Content-Type application/x-www-form-urlencoded): the JSON
 * is base64 (of its UTF-8 bytes) in the form field {@code data}, URL-encoded: {@code data=eyJ0b2tlbiI6...}. Other
 * bodies pass unchanged. Pure.
 */
final class PostHogForm {

  private static final byte[] DATA = "data=".getBytes(StandardCharsets.US_ASCII);

  private PostHogForm() {}

  /** The JSON a form body carries, or the body itself when it is not one; Undecodable when its data field is not base64. */
  static BodyDecoder.Result decode(byte[] body) {
    if (!startsWithData(body)) {
      return new BodyDecoder.Decoded(body);
    }
    String form = new String(body, StandardCharsets.ISO_8859_1);
    String data = null;
    for (String field : form.split("&")) {
      if (field.startsWith("data=")) {
        if (data != null) {
          return new BodyDecoder.Undecodable("the form body has the field data twice; which one was meant cannot be told");
        }
        data = field.substring(DATA.length);
      }
    }
    try {
      String base64 = URLDecoder.decode(data, StandardCharsets.ISO_8859_1).strip();
      byte[] json = base64.indexOf('-') >= 0 || base64.indexOf('_') >= 0
          ? Base64.getUrlDecoder().decode(base64)
          : Base64.getMimeDecoder().decode(base64);
      return new BodyDecoder.Decoded(json);
    } catch (IllegalArgumentException e) {
      return new BodyDecoder.Undecodable("the form field data (posthog-js' compression=base64) is not base64: " + e.getMessage());
    }
  }

  private static boolean startsWithData(byte[] body) {
    if (body.length < DATA.length) {
      return false;
    }
    for (int i = 0; i < DATA.length; i++) {
      if (body[i] != DATA[i]) {
        return false;
      }
    }
    return true;
  }
}
