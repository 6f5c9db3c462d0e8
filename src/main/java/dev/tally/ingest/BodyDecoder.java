package dev.tally.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Undoes a request's {@code Content-Encoding} (gzip, deflate, identity, or a list of them) with the size limit
 * applied to the decoded bytes, so a small compressed body that inflates to gigabytes is refused after reading
 * one byte past the limit, not after exhausting memory. Pure.
 */
public final class BodyDecoder {

  /** What decoding gave: the bytes, a body over the limit once decoded, or a body that cannot be decoded. */
  public sealed interface Result {}

  public record Decoded(byte[] bytes) implements Result {}

  /** Over the limit: as received ({@code receivedBytes} set), or once decoded ({@code receivedBytes} null). */
  public record TooLarge(int limit, Integer receivedBytes) implements Result {}

  public record Undecodable(String message) implements Result {}

  private static final int CHUNK = 8192;

  private BodyDecoder() {}

  /** @param body the body as received (null: empty); refused at once when it alone is over the limit */
  public static Result decode(byte[] body, String contentEncoding, int limit) {
    if (body == null) {
      return new Decoded(new byte[0]);
    }
    if (body.length > limit) {
      return new TooLarge(limit, body.length);
    }
    List<String> codings = codings(contentEncoding);
    // Codings are listed in the order they were applied: undo them from the last one.
    Collections.reverse(codings);
    byte[] bytes = body;
    for (String coding : codings) {
      if (coding.equals("identity")) {
        continue;
      }
      if (!coding.equals("gzip") && !coding.equals("x-gzip") && !coding.equals("deflate")) {
        return new Undecodable("Content-Encoding " + coding + " is not supported; send gzip, deflate or identity");
      }
      try {
        bytes = coding.equals("deflate") ? inflate(bytes, limit) : read(new GZIPInputStream(new ByteArrayInputStream(bytes)), limit);
      } catch (IOException e) {
        return new Undecodable("the body is not valid " + coding + " data: " + e.getMessage());
      }
      if (bytes == null) {
        return new TooLarge(limit, null);
      }
    }
    return new Decoded(bytes);
  }

  /** HTTP's deflate is zlib-wrapped (RFC 9110); some clients send raw deflate, which is accepted too. */
  private static byte[] inflate(byte[] bytes, int limit) throws IOException {
    try {
      return inflate(bytes, limit, false);
    } catch (ZipException notZlib) {
      return inflate(bytes, limit, true);
    }
  }

  /**
   * An Inflater handed to InflaterInputStream is not ended by closing the stream: ended here, so its native zlib
   * memory is freed per request rather than whenever the garbage collector gets to it.
   */
  private static byte[] inflate(byte[] bytes, int limit, boolean raw) throws IOException {
    Inflater inflater = new Inflater(raw);
    try {
      return read(new InflaterInputStream(new ByteArrayInputStream(bytes), inflater), limit);
    } finally {
      inflater.end();
    }
  }

  /** The decoded bytes, or null as soon as they exceed the limit. */
  private static byte[] read(InputStream in, int limit) throws IOException {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 64 * 1024));
      byte[] chunk = new byte[CHUNK];
      for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
        if (out.size() + n > limit) {
          return null;
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    }
  }

  private static List<String> codings(String header) {
    List<String> codings = new ArrayList<>();
    if (header != null) {
      for (String part : header.split(",")) {
        String coding = part.strip().toLowerCase(Locale.ROOT);
        if (!coding.isEmpty()) {
          codings.add(coding);
        }
      }
    }
    return codings;
  }
}
