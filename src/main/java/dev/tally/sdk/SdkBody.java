package dev.tally.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.ingest.ParsedBody;
import java.util.List;

/** An SDK request body as parsed: a batch in the SDKs' envelope, or a body as POST /events reads it. */
public sealed interface SdkBody {

  /**
   * An object carrying a batch of events in one member ({@code {"batch": [...], "sentAt": ...}}, the analytics
   * SDKs' envelope): the batch's elements, each with its exact bytes, and the envelope's other members;
   * {@code membersJsonbSafe} tells whether jsonb can hold those members faithfully.
   */
  record Enveloped(ObjectNode members, boolean membersJsonbSafe, List<ParsedBody.Element> elements) implements SdkBody {
    public Enveloped {
      elements = List.copyOf(elements);
    }
  }

  /** No envelope: one event, an array or NDJSON of events, or a body that cannot be read (and why). */
  record Bare(ParsedBody body) implements SdkBody {}
}
