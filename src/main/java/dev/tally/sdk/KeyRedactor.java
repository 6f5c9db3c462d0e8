package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Takes API keys out of bytes that are stored exactly as received: a message jsonb cannot hold (a NUL, an unpaired
 * surrogate, a duplicate key), and a whole body that cannot be read (truncated, a member twice). Raw rows are
 * readable with a read key, and a write key must not be. The key's string value is replaced by {@link #MARKER}
 * in place ({@code "api_key":"[redacted]"}); every other byte stays as received, so the row remains as close to
 * what was sent as it can be. Keys are found where the protocol puts them (Protocol's key pointers) in the body
 * itself, in each element of a top-level array and of the envelope's batch; bytes that stop being JSON are read
 * up to where they stop (a key after that point cannot be told from other text). Any further copy of a key found
 * this way elsewhere in the bytes is replaced too. Pure.
 */
final class KeyRedactor {

  /** What a key's value becomes in stored bytes. */
  static final String MARKER = "[redacted]";

  private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.UTF_8);
  /** Shorter strings than this are not searched for elsewhere in the bytes: they could be anything. */
  private static final int MIN_COPY_LENGTH = 8;
  private static final JsonFactory JSON = new JsonFactory();

  /** {@code keys}: the keys found (stripped, non-blank), in order. */
  record Redacted(byte[] bytes, Set<String> keys) {}

  private record Span(int start, int end) {}

  private KeyRedactor() {}

  static Redacted redact(Protocol protocol, byte[] bytes) {
    if (protocol.keyPointers().isEmpty()) {
      return new Redacted(bytes, Set.of());
    }
    Pattern keyPath = keyPath(protocol);
    List<Span> spans = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    try (JsonParser parser = JSON.createParser(bytes)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token != JsonToken.VALUE_STRING || !keyPath.matcher(parser.getParsingContext().pathAsPointer().toString()).matches()) {
          continue;
        }
        long start = parser.currentTokenLocation().getByteOffset();
        if (start < 0) {
          break; // not UTF-8: no byte offsets to redact by
        }
        try {
          String key = parser.getText().strip();
          spans.add(new Span((int) start + 1, (int) parser.currentLocation().getByteOffset() - 1));
          if (!key.isEmpty()) {
            keys.add(key);
          }
        } catch (IOException unterminated) {
          // The body ends (or breaks) inside the key's string: everything from its opening quote on goes.
          spans.add(new Span((int) start + 1, bytes.length));
          break;
        }
      }
    } catch (IOException notJsonFromHere) {
      // Redact what was found up to where the bytes stop being JSON.
    }
    for (String key : keys) {
      if (key.length() >= MIN_COPY_LENGTH) {
        copies(bytes, key.getBytes(StandardCharsets.UTF_8), spans);
      }
    }
    return new Redacted(spans.isEmpty() ? bytes : replaced(bytes, spans), keys);
  }

  /** The key pointers, at the root, under a top-level array's elements and under the batch member's elements. */
  private static Pattern keyPath(Protocol protocol) {
    List<String> pointers = protocol.keyPointers().stream().map(p -> Pattern.quote(p.toString())).toList();
    return Pattern.compile("(?:/\\d+|/" + protocol.batchMember() + "/\\d+)?(?:" + String.join("|", pointers) + ")");
  }

  private static void copies(byte[] bytes, byte[] key, List<Span> spans) {
    for (int i = 0; i + key.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + key.length, key, 0, key.length)) {
        spans.add(new Span(i, i + key.length));
        i += key.length - 1;
      }
    }
  }

  private static byte[] replaced(byte[] bytes, List<Span> spans) {
    List<Span> sorted = new ArrayList<>(spans);
    sorted.sort((a, b) -> Integer.compare(a.start(), b.start()));
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    int at = 0;
    for (Span span : sorted) {
      if (span.start() < at) {
        // Inside a span already replaced (a copy found within a key's own value).
        at = Math.max(at, span.end());
        continue;
      }
      out.write(bytes, at, span.start() - at);
      out.write(MARKER_BYTES, 0, MARKER_BYTES.length);
      at = span.end();
    }
    out.write(bytes, at, bytes.length - at);
    return out.toByteArray();
  }
}
