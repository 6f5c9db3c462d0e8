package dev.tally.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tally.platform.PayloadTooLargeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Parses the bodies POST /events takes — one object, an array, or NDJSON — and stored elements again, through the
 * {@link JsonReader}, so nothing a client sent is lost. Pure and thread-safe.
 */
public final class BodyParser {

  private final JsonReader json;

  public BodyParser(JsonReader json) {
    this.json = json;
  }

  /** A parser with a reader of its own, built from these limits. */
  public BodyParser(int maxBatchSize, int maxNestingDepth, int maxStringLength, int maxNumberLength) {
    this(new JsonReader(maxBatchSize, maxNestingDepth, maxStringLength, maxNumberLength));
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

  /** Parses one stored element again (the recovery job and replays); never a batch. */
  public ParsedBody.Element parseElement(byte[] raw) {
    JsonParser parser = json.open(raw);
    try (parser) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return ParsedBody.Element.unparseable("empty", raw);
      }
      ParsedBody.Element element = json.readElement(parser, raw, first);
      if (parser.nextToken() != null) {
        return ParsedBody.Element.unparseable("unexpected data after the JSON value" + JsonErrors.at(parser.currentTokenLocation()), raw);
      }
      return element;
    } catch (IOException e) {
      return ParsedBody.Element.unparseable(JsonErrors.describe(e, parser.currentLocation()), raw);
    }
  }

  private ParsedBody parseJson(byte[] body) {
    JsonParser parser = json.open(body);
    try (parser) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new ParsedBody.Unparseable("the body is empty; expected a JSON object or array");
      }
      ParsedBody result;
      if (first == JsonToken.START_OBJECT) {
        result = new ParsedBody.Single(json.readElement(parser, body, first));
      } else if (first == JsonToken.START_ARRAY) {
        result = new ParsedBody.Batch(json.readBatch(parser, body));
      } else {
        return new ParsedBody.Unparseable("expected a JSON object or array but the body is a JSON " + JsonErrors.kind(first));
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

  private ParsedBody parseNdjson(byte[] body) {
    List<ParsedBody.Element> elements = new ArrayList<>();
    int start = 0;
    while (start <= body.length) {
      int end = indexOf(body, (byte) '\n', start);
      int lineEnd = end > start && body[end - 1] == '\r' ? end - 1 : end;
      byte[] line = Arrays.copyOfRange(body, start, lineEnd);
      if (!isBlank(line)) {
        json.ensureRoom(elements.size());
        elements.add(parseElement(line));
      }
      start = end + 1;
    }
    return new ParsedBody.Batch(elements);
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
