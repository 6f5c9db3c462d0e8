package dev.tally.mapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonPointer;
import dev.tally.normalize.Mapping;
import dev.tally.normalize.MetricFormat;
import dev.tally.normalize.TimestampFormat;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A client's mapping as written by an operator, already validated ({@link MappingValidator}). Stored as jsonb
 * in this canonical form (fields sorted, absent parts omitted) so that identical definitions compare equal.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MappingDefinition(SortedMap<String, String> fields, String timestampFormat, String timezone, Integer amountScale,
    String metricFormat) {

  public MappingDefinition {
    fields = fields == null ? null : new TreeMap<>(fields);
  }

  /** The value the pure normalizer takes. */
  public Mapping compile(int version) {
    Map<String, JsonPointer> pointers = new LinkedHashMap<>();
    if (fields != null) {
      fields.forEach((field, pointer) -> pointers.put(field, JsonPointer.compile(pointer)));
    }
    return new Mapping(version, pointers, format(timestampFormat), timezone == null ? null : ZoneId.of(timezone),
        amountScale == null ? 0 : amountScale,
        MappingValidator.SNAKE_CASE.equals(metricFormat) ? MetricFormat.SNAKE_CASE : MetricFormat.EXACT);
  }

  static TimestampFormat format(String text) {
    if (text == null) {
      return TimestampFormat.AUTO;
    }
    return switch (text) {
      case MappingValidator.ISO8601 -> TimestampFormat.ISO8601;
      case MappingValidator.EPOCH_SECONDS -> TimestampFormat.EPOCH_SECONDS;
      case MappingValidator.EPOCH_MILLIS -> TimestampFormat.EPOCH_MILLIS;
      default -> TimestampFormat.Pattern.of(text.substring(MappingValidator.PATTERN_PREFIX.length()));
    };
  }
}
