package dev.tally.ingest;

import dev.tally.normalize.ParsedEvent;
import java.util.List;

/** A request body as parsed: not JSON at all, one event, or a batch of elements. */
public sealed interface ParsedBody {

  /** The body is not JSON, or not an object or array; it is kept raw, exactly as received. */
  record Unparseable(String message) implements ParsedBody {}

  record Single(Element element) implements ParsedBody {}

  record Batch(List<Element> elements) implements ParsedBody {
    public Batch {
      elements = List.copyOf(elements);
    }
  }

  /**
   * One event's worth of the body. {@code event} is null when this element (an NDJSON line) is not JSON;
   * {@code error} then says why. {@code raw} is the element's exact bytes; {@code jsonbSafe} tells whether
   * PostgreSQL's jsonb can hold it faithfully (no NUL, no duplicate keys, no unpaired surrogates, numbers in
   * range) or it must be kept as received.
   */
  record Element(ParsedEvent event, String error, byte[] raw, boolean jsonbSafe) {

    public static Element unparseable(String error, byte[] raw) {
      return new Element(null, error, raw, false);
    }

    public boolean parsed() {
      return event != null;
    }
  }
}
