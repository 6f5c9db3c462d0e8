package dev.tally.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.normalize.ParsedEvent;
import dev.tally.platform.PayloadTooLargeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses request bodies without losing anything a client sent: numbers as exact decimals (from their literal
 * text), duplicate keys noticed rather than silently overwritten, and each element's exact bytes kept so
 * that what jsonb cannot hold is stored as received. Pure and thread-safe.
 */
public final class BodyParser {

  /** PostgreSQL numeric (and so jsonb) holds at most this many digits before and after the point. */
  private static final int PG_MAX_INTEGER_DIGITS = 131_072;
  private static final int PG_MAX_FRACTION_DIGITS = 16_383;

  private final JsonFactory factory;
  private final int maxBatchSize;
  private final JsonNodeFactory nodes = JsonNodeFactory.withExactBigDecimals(true);

  public BodyParser(int maxBatchSize, int maxNestingDepth, int maxStringLength, int maxNumberLength) {
    this.maxBatchSize = maxBatchSize;
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxNestingDepth)
            .maxStringLength(maxStringLength)
            .maxNumberLength(maxNumberLength)
            .build())
        .build();
  }

  public static boolean isNdjson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return type.equals("application/x-ndjson") || type.equals("application/ndjson")
        || type.equals("application/jsonl") || type.equals("application/x-jsonlines");
  }

  /** @throws PayloadTooLargeException when a batch holds more than the configured number of events */
  public ParsedBody parse(byte[] body, String contentType) {
    return isNdjson(contentType) ? parseNdjson(body) : parseJson(body);
  }

  /**
   * Parses an SDK request body: an object whose member {@code batchMember} is an array of events gives an
   * {@link ParsedBody.Enveloped}; any other body is parsed as {@link #parse} would (one event, an array).
   *
   * @throws PayloadTooLargeException when the batch holds more than the configured number of events
   */
  public ParsedBody parseEnvelope(byte[] body, String contentType, String batchMember) {
    if (isNdjson(contentType)) {
      return parseNdjson(body);
    }
    JsonParser parser = open(body);
    try (parser) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return parseJson(body);
      }
      ObjectNode members = nodes.objectNode();
      Faithfulness membersFaithfulness = new Faithfulness();
      List<ParsedBody.Element> elements = null;
      for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals(batchMember)) {
          if (value != JsonToken.START_ARRAY) {
            return new ParsedBody.Unparseable("the member \"" + batchMember + "\" must be an array of events, but it is a JSON " + kind(value));
          }
          if (elements != null) {
            return new ParsedBody.Unparseable("the member \"" + batchMember + "\" appears twice; which one was meant cannot be told");
          }
          elements = new ArrayList<>();
          for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (elements.size() == maxBatchSize) {
              throw tooMany();
            }
            elements.add(readElement(parser, body, token));
          }
        } else if (members.has(name)) {
          return new ParsedBody.Unparseable("the member \"" + name + "\" appears twice; which one was meant cannot be told");
        } else {
          membersFaithfulness.checkText(name);
          members.set(name, readValue(parser, value, membersFaithfulness, null));
        }
      }
      if (parser.nextToken() != null) {
        return new ParsedBody.Unparseable("unexpected data after the JSON value" + JsonErrors.at(parser.currentTokenLocation()));
      }
      return elements == null ? parseJson(body) : new ParsedBody.Enveloped(members, membersFaithfulness.safe, elements);
    } catch (IOException e) {
      return new ParsedBody.Unparseable("the body is not valid JSON: " + JsonErrors.describe(e, parser.currentLocation()));
    }
  }

  /** Parses one stored element again (the recovery job and replays); never a batch. */
  public ParsedBody.Element parseElement(byte[] raw) {
    JsonParser parser = open(raw);
    try (parser) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return ParsedBody.Element.unparseable("empty", raw);
      }
      ParsedBody.Element element = readElement(parser, raw, first);
      if (parser.nextToken() != null) {
        return ParsedBody.Element.unparseable("unexpected data after the JSON value" + JsonErrors.at(parser.currentTokenLocation()), raw);
      }
      return element;
    } catch (IOException e) {
      return ParsedBody.Element.unparseable(JsonErrors.describe(e, parser.currentLocation()), raw);
    }
  }

  private ParsedBody parseJson(byte[] body) {
    JsonParser parser = open(body);
    try (parser) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new ParsedBody.Unparseable("the body is empty; expected a JSON object or array");
      }
      ParsedBody result;
      if (first == JsonToken.START_OBJECT) {
        result = new ParsedBody.Single(readElement(parser, body, first));
      } else if (first == JsonToken.START_ARRAY) {
        List<ParsedBody.Element> elements = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
          if (elements.size() == maxBatchSize) {
            throw tooMany();
          }
          elements.add(readElement(parser, body, token));
        }
        result = new ParsedBody.Batch(elements);
      } else {
        return new ParsedBody.Unparseable("expected a JSON object or array but the body is a JSON " + kind(first));
      }
      if (parser.nextToken() != null) {
        return new ParsedBody.Unparseable("unexpected data after the JSON value" + JsonErrors.at(parser.currentTokenLocation())
            + "; for one event per line send Content-Type: application/x-ndjson");
      }
      return result;
    } catch (IOException e) {
      return new ParsedBody.Unparseable("the body is not valid JSON: " + JsonErrors.describe(e, parser.currentLocation()));
    }
  }

  /** A parser over bytes in memory: creating one reads nothing, so it cannot fail with an I/O error. */
  private JsonParser open(byte[] body) {
    try {
      return factory.createParser(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ParsedBody parseNdjson(byte[] body) {
    List<ParsedBody.Element> elements = new ArrayList<>();
    int start = 0;
    while (start <= body.length) {
      int end = indexOf(body, (byte) '\n', start);
      int lineEnd = end > start && body[end - 1] == '\r' ? end - 1 : end;
      byte[] line = Arrays.copyOfRange(body, start, lineEnd);
      if (!isBlank(line)) {
        if (elements.size() == maxBatchSize) {
          throw tooMany();
        }
        elements.add(parseElement(line));
      }
      start = end + 1;
    }
    return new ParsedBody.Batch(elements);
  }

  private ParsedBody.Element readElement(JsonParser parser, byte[] source, JsonToken first) throws IOException {
    long startOffset = parser.currentTokenLocation().getByteOffset();
    if (startOffset < 0) {
      // Jackson detected UTF-16/32 and reads through a Reader, which has no byte offsets to slice the raw
      // element by. RFC 8259 requires UTF-8 between systems, so such a body is not accepted JSON here.
      throw new JsonParseException(parser, "the body is not UTF-8; JSON must be sent as UTF-8");
    }
    int start = (int) startOffset;
    Faithfulness faithfulness = new Faithfulness();
    List<String> duplicateKeys = new ArrayList<>();
    JsonNode json = readValue(parser, first, faithfulness, duplicateKeys);
    int end = (int) parser.currentLocation().getByteOffset();
    byte[] raw = Arrays.copyOfRange(source, start, end);
    boolean jsonbSafe = faithfulness.safe && duplicateKeys.isEmpty() && validUtf8(raw);
    return new ParsedBody.Element(new ParsedEvent(json, duplicateKeys), null, raw, jsonbSafe);
  }

  /** Builds the tree; {@code topLevelDuplicates} is non-null only for the element's own object. */
  private JsonNode readValue(JsonParser parser, JsonToken token, Faithfulness faithfulness, List<String> topLevelDuplicates)
      throws IOException {
    switch (token) {
      case START_OBJECT -> {
        ObjectNode object = nodes.objectNode();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new LinkedHashSet<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
          String key = parser.currentName();
          faithfulness.checkText(key);
          if (!seen.add(key)) {
            duplicates.add(key);
            faithfulness.safe = false;
          }
          object.set(key, readValue(parser, parser.nextToken(), faithfulness, null));
        }
        if (topLevelDuplicates != null) {
          topLevelDuplicates.addAll(duplicates);
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = nodes.arrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          array.add(readValue(parser, t, faithfulness, null));
        }
        return array;
      }
      case VALUE_STRING -> {
        String text = parser.getText();
        faithfulness.checkText(text);
        return nodes.textNode(text);
      }
      case VALUE_NUMBER_INT -> {
        return nodes.numberNode(parser.getBigIntegerValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        BigDecimal value = exactDecimal(parser);
        faithfulness.checkNumber(value);
        return nodes.numberNode(value);
      }
      case VALUE_TRUE -> {
        return nodes.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return nodes.booleanNode(false);
      }
      case VALUE_NULL -> {
        return nodes.nullNode();
      }
      default -> throw new JsonProcessingException("unexpected token " + token, parser.currentLocation()) {};
    }
  }

  /**
   * The number's literal as an exact decimal. An exponent beyond what BigDecimal's int scale holds
   * (1e9999999999) is valid JSON grammar but no number anyone can store or compare, so the text is treated
   * as unparseable rather than letting NumberFormatException escape as a server error.
   */
  private static BigDecimal exactDecimal(JsonParser parser) throws IOException {
    String literal = parser.getText();
    try {
      return new BigDecimal(literal);
    } catch (NumberFormatException e) {
      String shown = literal.length() > 40 ? literal.substring(0, 40) + "…" : literal;
      throw new JsonParseException(parser, "the number " + shown + " has an exponent out of range");
    }
  }

  /** Tracks whether jsonb would store an element exactly as sent. */
  private static final class Faithfulness {
    boolean safe = true;

    void checkText(String text) {
      if (!safe) {
        return;
      }
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\u0000') {
          safe = false; // jsonb rejects \u0000
          return;
        }
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          safe = false; // an unpaired surrogate has no UTF-8 form
          return;
        }
      }
    }

    void checkNumber(BigDecimal value) {
      long integerDigits = (long) value.precision() - value.scale();
      if (value.scale() > PG_MAX_FRACTION_DIGITS || integerDigits > PG_MAX_INTEGER_DIGITS) {
        safe = false;
      }
    }
  }

  private PayloadTooLargeException tooMany() {
    return new PayloadTooLargeException("the batch holds more than " + maxBatchSize + " events (tally.ingest.max-batch-size); nothing was stored");
  }

  private static String kind(JsonToken token) {
    return switch (token) {
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> token.name().toLowerCase(Locale.ROOT);
    };
  }

  private static boolean validUtf8(byte[] raw) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static int indexOf(byte[] bytes, byte wanted, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return bytes.length;
  }

  private static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
