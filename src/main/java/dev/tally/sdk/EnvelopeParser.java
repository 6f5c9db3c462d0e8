package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.ingest.BodyParser;
import dev.tally.ingest.Faithfulness;
import dev.tally.ingest.JsonErrors;
import dev.tally.ingest.JsonReader;
import dev.tally.ingest.ParsedBody;
import dev.tally.platform.PayloadTooLargeException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.List;

/**
 * Parses an SDK request body: an object whose batch member ({@code batch}; Snowplow's {@code data}) is an array of
 * events is an envelope ({@link SdkBody.Enveloped}); any other body is parsed as POST /events parses it ({@link SdkBody.Bare}).
 * Reads through ingest's {@link JsonReader}, so a message keeps its exact bytes and decimals as an event sent to
 * /events does. Pure and thread-safe.
 */
@Singleton
public class EnvelopeParser {

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private final JsonReader json;
  private final BodyParser bodies;

  @Inject
  public EnvelopeParser(JsonReader json) {
    this.json = json;
    this.bodies = new BodyParser(json);
  }

  /** @throws PayloadTooLargeException when the batch holds more than the configured number of events */
  public SdkBody parse(byte[] body, String contentType) {
    return parse(body, contentType, "batch");
  }

  /** {@code batchMember}: the member that holds the events. */
  public SdkBody parse(byte[] body, String contentType, String batchMember) {
    if (BodyParser.isNdjson(contentType)) {
      return bare(body, contentType);
    }
    JsonParser parser = json.open(body);
    try (parser) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return bare(body, contentType);
      }
      ObjectNode members = NODES.objectNode();
      Faithfulness membersFaithfulness = new Faithfulness();
      List<ParsedBody.Element> elements = null;
      for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals(batchMember)) {
          if (value != JsonToken.START_ARRAY) {
            return unreadable("the member \"" + name + "\" must be an array of events, but it is a JSON " + JsonErrors.kind(value));
          }
          if (elements != null) {
            return unreadable("the member \"" + name + "\" appears twice; which one was meant cannot be told");
          }
          elements = json.readBatch(parser, body);
        } else if (members.has(name)) {
          return unreadable("the member \"" + name + "\" appears twice; which one was meant cannot be told");
        } else {
          membersFaithfulness.checkText(name);
          members.set(name, json.readValue(parser, value, membersFaithfulness));
        }
      }
      if (parser.nextToken() != null) {
        return unreadable("unexpected data after the JSON value" + JsonErrors.at(parser.currentTokenLocation()));
      }
      return elements == null ? bare(body, contentType) : new SdkBody.Enveloped(members, membersFaithfulness.safe(), elements);
    } catch (IOException e) {
      return unreadable("the body is not valid JSON: " + JsonErrors.describe(e, parser.currentLocation()));
    }
  }

  private SdkBody bare(byte[] body, String contentType) {
    return new SdkBody.Bare(bodies.parse(body, contentType));
  }

  private static SdkBody unreadable(String message) {
    return new SdkBody.Bare(new ParsedBody.Unparseable(message));
  }
}
