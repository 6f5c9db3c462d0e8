package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Content-Encoding decoding, table-driven: what decodes to exactly what was compressed, and what is undecodable.
 * Bytes after the end of the compressed data are never dropped silently: the body is undecodable (and so kept raw as
 * received). Several complete gzip members one after another are one gzip body (RFC 1952 2.2) and decode to the
 * concatenation of their contents.
 */
class BodyDecoderTest {

  private static final int LIMIT = 1 << 20;
  private static final String JSON = "{\"clientId\":\"c\",\"amount\":1}";

  static Stream<Arguments> decodable() {
    return Stream.of(
        Arguments.of("gzip", "gzip", gzip(JSON), JSON),
        Arguments.of("x-gzip", "x-gzip", gzip(JSON), JSON),
        Arguments.of("two gzip members", "gzip", concat(gzip("[" + JSON + ","), gzip(JSON + "]")), "[" + JSON + "," + JSON + "]"),
        Arguments.of("an empty gzip member", "gzip", concat(gzip(JSON), gzip("")), JSON),
        Arguments.of("zlib deflate", "deflate", deflate(JSON, false), JSON),
        Arguments.of("raw deflate", "deflate", deflate(JSON, true), JSON),
        Arguments.of("identity", "identity", bytes(JSON), JSON),
        Arguments.of("none", null, bytes(JSON), JSON),
        Arguments.of("gzip then deflate", "gzip, deflate", deflate(gzip(JSON), false), JSON));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decodable")
  void decodesToExactlyWhatWasEncoded(String what, String encoding, byte[] body, String decoded) {
    assertThat(BodyDecoder.decode(body, encoding, LIMIT)).isInstanceOfSatisfying(BodyDecoder.Decoded.class,
        d -> assertThat(new String(d.bytes(), StandardCharsets.UTF_8)).isEqualTo(decoded));
  }

  static Stream<Arguments> undecodable() {
    byte[] gzip = gzip(JSON);
    return Stream.of(
        Arguments.of("garbage after a gzip member", "gzip", concat(gzip, bytes("garbage")), "after the end"),
        Arguments.of("one byte after a gzip member", "gzip", concat(gzip, new byte[] {0}), "after the end"),
        Arguments.of("JSON after a gzip member", "gzip", concat(gzip, bytes(JSON)), "after the end"),
        Arguments.of("a gzip magic after a gzip member", "gzip", concat(gzip, new byte[] {0x1f, (byte) 0x8b}), "gzip"),
        Arguments.of("garbage after zlib data", "deflate", concat(deflate(JSON, false), bytes("garbage")), "after the end"),
        Arguments.of("garbage after raw deflate data", "deflate", concat(deflate(JSON, true), bytes("xyz")), "after the end"),
        Arguments.of("a truncated gzip member", "gzip", Arrays.copyOf(gzip, gzip.length - 4), "gzip"),
        Arguments.of("a gzip member without its trailer", "gzip", Arrays.copyOf(gzip, gzip.length - 8), "gzip"),
        Arguments.of("a wrong CRC", "gzip", flipped(gzip, gzip.length - 8), "gzip"),
        Arguments.of("a wrong size", "gzip", flipped(gzip, gzip.length - 1), "gzip"),
        Arguments.of("not gzip at all", "gzip", bytes("this is not gzip"), "gzip"),
        Arguments.of("a truncated zlib stream", "deflate", Arrays.copyOf(deflate(JSON, false), 10), "deflate"),
        Arguments.of("an unknown coding", "br", new byte[] {1, 2, 3}, "not supported"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("undecodable")
  void bytesAfterTheCompressedDataOrBrokenDataAreUndecodable(String what, String encoding, byte[] body, String says) {
    assertThat(BodyDecoder.decode(body, encoding, LIMIT)).isInstanceOfSatisfying(BodyDecoder.Undecodable.class,
        u -> assertThat(u.message()).contains(says));
  }

  static Stream<Arguments> tooLarge() {
    byte[] big = new byte[LIMIT];
    Arrays.fill(big, (byte) ' ');
    byte[] half = Arrays.copyOf(big, LIMIT / 2 + 1);
    return Stream.of(
        Arguments.of("one gzip member", gzip(new String(big, StandardCharsets.UTF_8) + "x")),
        Arguments.of("two members, each under the limit", concat(gzip(new String(half, StandardCharsets.UTF_8)),
            gzip(new String(half, StandardCharsets.UTF_8)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tooLarge")
  void theLimitAppliesToTheDecodedBytesOfAllMembersTogether(String what, byte[] body) {
    assertThat(BodyDecoder.decode(body, "gzip", LIMIT)).isInstanceOf(BodyDecoder.TooLarge.class);
  }

  static byte[] gzip(String text) {
    return gzip(bytes(text));
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] deflate(String text, boolean raw) {
    return deflate(bytes(text), raw);
  }

  static byte[] deflate(byte[] data, boolean raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
      deflate.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  private static byte[] flipped(byte[] bytes, int at) {
    byte[] copy = bytes.clone();
    copy[at] ^= 0x01;
    return copy;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
