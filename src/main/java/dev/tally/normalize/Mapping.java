package dev.tally.normalize;

import com.fasterxml.jackson.core.JsonPointer;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;

/**
 * How one client's payloads map onto the canonical event, already validated. Version 0 is the default rules.
 * A field with a pointer is read only from that pointer; the others follow the default rules. {@code timezone}
 * (nullable) applies to timestamps written without an offset; {@code amountScale} says amounts arrive in
 * minor units (1999 with scale 2 is 19.99). {@code metricFormat} says how metric names are read (as sent, or
 * snake_cased for SDKs whose event names are prose).
 */
public record Mapping(
    int version, Map<String, JsonPointer> fields, TimestampFormat timestampFormat, ZoneId timezone, int amountScale,
    MetricFormat metricFormat) {

  public static final Mapping DEFAULT = new Mapping(0, Map.of(), TimestampFormat.AUTO, null, 0, MetricFormat.EXACT);

  public Mapping {
    fields = Map.copyOf(fields);
    Objects.requireNonNull(timestampFormat, "timestampFormat");
    Objects.requireNonNull(metricFormat, "metricFormat");
  }

  /** The pointer a canonical field is read from, or null when the default rules find it. */
  public JsonPointer pointer(String field) {
    return fields.get(field);
  }
}
