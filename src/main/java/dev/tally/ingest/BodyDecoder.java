package dev.tally.ingest;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Undoes a request's {@code Content-Encoding} (gzip, deflate, identity, or a list of them) with the size limit
 * applied to the decoded bytes, so a small compressed body that inflates to gigabytes is refused after reading
 * one byte past the limit, not after exhausting memory. Bytes after the end of the compressed data make a body
 * undecodable (kept raw as received), never silently dropped; several whole gzip members in a row are one body.
 * Pure.
 */
public final class BodyDecoder {

  /** What decoding gave: the bytes, a body over the limit once decoded, or a body that cannot be decoded. */
  public sealed interface Result {}

  public record Decoded(byte[] bytes) implements Result {}

  /** Over the limit: as received ({@code receivedBytes} set), or once decoded ({@code receivedBytes} null). */
  public record TooLarge(int limit, Integer receivedBytes) implements Result {}

  public record Undecodable(String message) implements Result {}

  private static final int CHUNK = 8192;
  private static final int TRAILER = 8;
  private static final byte GZIP_MAGIC_1 = 0x1f;
  private static final byte GZIP_MAGIC_2 = (byte) 0x8b;
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;
  private static final String AFTER_THE_END = "after the end of the";

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
        bytes = coding.equals("deflate") ? inflate(bytes, limit) : gunzip(bytes, limit);
      } catch (Malformed e) {
        return new Undecodable("the body is not valid " + (coding.equals("deflate") ? "deflate" : "gzip") + " data: " + e.getMessage());
      }
      if (bytes == null) {
        return new TooLarge(limit, null);
      }
    }
    return new Decoded(bytes);
  }

  /** Why compressed bytes cannot be decoded. */
  private static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Every gzip member of the body, one after another: RFC 1952 makes a gzip body a series of members, and what
   * {@code cat a.gz b.gz} gives decodes to both contents. Anything after the last member that is not another whole
   * member makes the body undecodable: GZIPInputStream would drop it silently, and what a client sent would not be
   * what Tally kept.
   */
  private static byte[] gunzip(byte[] bytes, int limit) throws Malformed {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 64 * 1024));
    int at = 0;
    do {
      at = gzipHeader(bytes, at);
      CRC32 crc = new CRC32();
      int before = out.size();
      Inflater inflater = new Inflater(true);
      try {
        inflater.setInput(bytes, at, bytes.length - at);
        if (!inflateInto(inflater, out, crc, limit, "gzip")) {
          return null;
        }
        at = bytes.length - inflater.getRemaining();
      } finally {
        inflater.end();
      }
      if (bytes.length - at < TRAILER) {
        throw new Malformed("it ends before the gzip trailer (CRC and size)");
      }
      if (littleEndian(bytes, at) != crc.getValue() || littleEndian(bytes, at + 4) != ((out.size() - before) & 0xffffffffL)) {
        throw new Malformed("the gzip trailer's CRC or size does not match the data");
      }
      at += TRAILER;
    } while (at < bytes.length && bytes[at] == GZIP_MAGIC_1);
    if (at < bytes.length) {
      throw new Malformed((bytes.length - at) + " bytes follow " + AFTER_THE_END + " gzip data");
    }
    return out.toByteArray();
  }

  /** The offset just past the RFC 1952 member header at {@code at}. */
  private static int gzipHeader(byte[] bytes, int at) throws Malformed {
    if (bytes.length - at < 10 || bytes[at] != GZIP_MAGIC_1 || bytes[at + 1] != GZIP_MAGIC_2 || bytes[at + 2] != 8) {
      throw new Malformed(at == 0 ? "it does not start with a gzip header" : "bytes after a gzip member are not another gzip member");
    }
    int flags = bytes[at + 3] & 0xff;
    int next = at + 10;
    if ((flags & FEXTRA) != 0) {
      need(bytes, next + 2);
      next += 2 + ((bytes[next] & 0xff) | (bytes[next + 1] & 0xff) << 8);
    }
    if ((flags & FNAME) != 0) {
      next = afterZero(bytes, next);
    }
    if ((flags & FCOMMENT) != 0) {
      next = afterZero(bytes, next);
    }
    if ((flags & FHCRC) != 0) {
      next += 2;
    }
    need(bytes, next);
    return next;
  }

  private static void need(byte[] bytes, int end) throws Malformed {
    if (end > bytes.length) {
      throw new Malformed("it ends inside a gzip header");
    }
  }

  private static int afterZero(byte[] bytes, int from) throws Malformed {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i + 1;
      }
    }
    throw new Malformed("it ends inside a gzip header");
  }

  private static long littleEndian(byte[] bytes, int at) {
    return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16 | (bytes[at + 3] & 0xffL) << 24;
  }

  /**
   * HTTP's deflate is zlib-wrapped (RFC 9110); some clients send raw deflate, which is accepted too. Bytes after the
   * end of the stream make the body undecodable, as with gzip.
   */
  private static byte[] inflate(byte[] bytes, int limit) throws Malformed {
    try {
      return inflate(bytes, limit, false);
    } catch (Malformed notZlib) {
      if (notZlib.getMessage().contains(AFTER_THE_END)) {
        throw notZlib;
      }
      return inflate(bytes, limit, true);
    }
  }

  /**
   * An Inflater is ended here, so its native zlib memory is freed per request rather than whenever the garbage
   * collector gets to it.
   */
  private static byte[] inflate(byte[] bytes, int limit, boolean raw) throws Malformed {
    Inflater inflater = new Inflater(raw);
    try {
      inflater.setInput(bytes);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 64 * 1024));
      if (!inflateInto(inflater, out, null, limit, "deflate")) {
        return null;
      }
      if (inflater.getRemaining() > 0) {
        throw new Malformed(inflater.getRemaining() + " bytes follow " + AFTER_THE_END + " deflate data");
      }
      return out.toByteArray();
    } finally {
      inflater.end();
    }
  }

  /** Inflates until the stream's end; false as soon as {@code out} would exceed the limit. */
  private static boolean inflateInto(Inflater inflater, ByteArrayOutputStream out, CRC32 crc, int limit, String format)
      throws Malformed {
    byte[] chunk = new byte[CHUNK];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new Malformed("it ends before the " + format + " data is complete");
        }
        if (out.size() + n > limit) {
          return false;
        }
        out.write(chunk, 0, n);
        if (crc != null) {
          crc.update(chunk, 0, n);
        }
      }
      return true;
    } catch (DataFormatException e) {
      throw new Malformed("the " + format + " data is corrupt (" + e.getMessage() + ")");
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
