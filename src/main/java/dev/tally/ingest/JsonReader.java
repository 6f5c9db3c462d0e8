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
import java.util.Set;

/**
 * The one streaming JSON reader behind every body Tally reads, without losing anything a client sent: numbers as
 * exact decimals (from their literal text), duplicate keys noticed rather than silently overwritten, and each
 * element's exact bytes kept so that what jsonb cannot hold is stored as received. {@link BodyParser} builds the
 * bodies of POST /events from it, the SDK routes their envelopes. Pure and thread-safe.
 */
public final class JsonReader {

  private final JsonFactory factory;
  private final int maxBatchSize;
  private final JsonNodeFactory nodes = JsonNodeFactory.withExactBigDecimals(true);

  public JsonReader(int maxBatchSize, int maxNestingDepth, int maxStringLength, int maxNumberLength) {
    this.maxBatchSize = maxBatchSize;
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxNestingDepth)
            .maxStringLength(maxStringLength)
            .maxNumberLength(maxNumberLength)
            .build())
        .build();
  }

  /** A parser over bytes in memory: creating one reads nothing, so it cannot fail with an I/O error. */
  public JsonParser open(byte[] body) {
    try {
      return factory.createParser(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The elements of the array the parser has just entered (its current token is its '['), in order, each with its
   * exact bytes of {@code source}; the parser is left on the array's ']'.
   *
   * @throws PayloadTooLargeException when the array holds more than the configured number of events
   */
  public List<ParsedBody.Element> readBatch(JsonParser parser, byte[] source) throws IOException {
    List<ParsedBody.Element> elements = new ArrayList<>();
    for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
      ensureRoom(elements.size());
      elements.add(readElement(parser, source, token));
    }
    return elements;
  }

  /** One element, from its {@code first} token, with its exact bytes of {@code source}. */
  ParsedBody.Element readElement(JsonParser parser, byte[] source, JsonToken first) throws IOException {
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
    boolean jsonbSafe = faithfulness.safe() && duplicateKeys.isEmpty() && validUtf8(raw);
    return new ParsedBody.Element(new ParsedEvent(json, duplicateKeys), null, raw, jsonbSafe);
  }

  /** A value as a tree, from its {@code first} token; what jsonb would not hold faithfully is noted in {@code faithfulness}. */
  public JsonNode readValue(JsonParser parser, JsonToken first, Faithfulness faithfulness) throws IOException {
    return readValue(parser, first, faithfulness, null);
  }

  /**
   * @throws PayloadTooLargeException when a batch already holding {@code held} elements has no room for one more
   */
  void ensureRoom(int held) {
    if (held == maxBatchSize) {
      throw new PayloadTooLargeException("the batch holds more than " + maxBatchSize
          + " events (tally.ingest.max-batch-size); nothing was stored");
    }
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
            faithfulness.duplicateKey();
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
}
