package dev.tally.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.normalize.FieldError;
import dev.tally.normalize.Quote;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Validates a mapping definition once, when it is saved, and names every problem: unknown presets and
 * properties, canonical fields, JSON Pointer syntax (RFC 6901), timestamp formats, IANA zones and amount
 * scales. A preset is expanded first ({@link MappingPresets}), so what comes out is always an ordinary
 * definition. Pure.
 */
public final class MappingValidator {

  static final String ISO8601 = "iso8601";
  static final String EPOCH_SECONDS = "epochSeconds";
  static final String EPOCH_MILLIS = "epochMillis";
  static final String PATTERN_PREFIX = "pattern:";
  static final int MAX_AMOUNT_SCALE = 18;
  static final String EXACT = "exact";
  static final String SNAKE_CASE = "snake_case";

  /** The canonical fields a mapping may point at; clientId is not one: it chooses the mapping. */
  static final Set<String> MAPPABLE_FIELDS = Set.of("metric", "amount", "timestamp", "eventId");
  private static final Set<String> PROPERTIES = Set.of("fields", "timestampFormat", "timezone", "amountScale", "metricFormat");
  /** RFC 6901: "/"-separated reference tokens in which "~" only appears as "~0" or "~1". */
  private static final Pattern POINTER = Pattern.compile("(/([^~/]|~[01])*)+");
  private static final int MAX_POINTER_LENGTH = 512;
  private static final int MAX_PATTERN_LENGTH = 100;
  private static final int MAX_QUOTED_CHARS = 80;

  /** The definition in canonical form, or every problem found. */
  public sealed interface Result {}

  public record Valid(MappingDefinition definition) implements Result {}

  public record Invalid(List<FieldError> errors) implements Result {}

  private MappingValidator() {}

  public static Result validate(JsonNode body) {
    MappingPresets.Expansion expansion = MappingPresets.expand(body);
    return validateExpanded(expansion.definition(), new ArrayList<>(expansion.errors()));
  }

  private static Result validateExpanded(JsonNode body, List<FieldError> errors) {
    if (body == null || !body.isObject()) {
      errors.add(error(null, "not_an_object", "a mapping definition is a JSON object"));
      return new Invalid(errors);
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!PROPERTIES.contains(name)) {
        errors.add(error(name, "unknown_property", "unknown property " + quote(name) + "; expected " + String.join(", ", sorted(PROPERTIES))
            + " or " + MappingPresets.PRESET));
      }
    }
    TreeMap<String, String> fields = fields(body.get("fields"), errors);
    String format = timestampFormat(body.get("timestampFormat"), errors);
    String zone = timezone(body.get("timezone"), errors);
    Integer scale = amountScale(body.get("amountScale"), errors);
    String metricFormat = metricFormat(body.get("metricFormat"), errors);
    return errors.isEmpty() ? new Valid(new MappingDefinition(fields, format, zone, scale, metricFormat)) : new Invalid(errors);
  }

  private static TreeMap<String, String> fields(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      errors.add(error("fields", "invalid_fields", "fields maps canonical fields to JSON Pointers, e.g. {\"amount\": \"/price\"}"));
      return null;
    }
    TreeMap<String, String> fields = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String field = entry.getKey();
      String where = "fields." + field;
      if (!MAPPABLE_FIELDS.contains(field)) {
        errors.add(error(where, "unknown_field", quote(field) + " is not a canonical field a mapping can point at; expected "
            + String.join(", ", sorted(MAPPABLE_FIELDS)) + (field.equals("clientId") ? " (clientId chooses the mapping, so it cannot be mapped)" : "")));
        continue;
      }
      JsonNode pointer = entry.getValue();
      if (!pointer.isTextual() || pointer.textValue().length() > MAX_POINTER_LENGTH || !POINTER.matcher(pointer.textValue()).matches()) {
        errors.add(error(where, "invalid_pointer", quote(pointer.toString())
            + " is not a JSON Pointer (RFC 6901) to a member, such as \"/price\" or \"/meta/ts\" (escape ~ as ~0 and / as ~1)"));
        continue;
      }
      fields.put(field, pointer.textValue());
    }
    return fields.isEmpty() ? null : fields;
  }

  private static String timestampFormat(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    String text = node.isTextual() ? node.textValue() : null;
    if (ISO8601.equals(text) || EPOCH_SECONDS.equals(text) || EPOCH_MILLIS.equals(text)) {
      return text;
    }
    if (text != null && text.startsWith(PATTERN_PREFIX) && text.length() <= PATTERN_PREFIX.length() + MAX_PATTERN_LENGTH) {
      try {
        MappingDefinition.format(text);
        return text;
      } catch (IllegalArgumentException e) {
        errors.add(error("timestampFormat", "invalid_timestamp_format", quote(text) + " is not a usable java.time pattern: " + e.getMessage()));
        return null;
      }
    }
    errors.add(error("timestampFormat", "invalid_timestamp_format",
        quote(node.toString()) + " must be one of iso8601, epochSeconds, epochMillis or pattern:<java.time pattern>"));
    return null;
  }

  private static String timezone(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual() && ZoneId.getAvailableZoneIds().contains(node.textValue())) {
      return node.textValue();
    }
    errors.add(error("timezone", "unknown_timezone", quote(node.toString()) + " is not an IANA time zone such as \"Europe/Berlin\""));
    return null;
  }

  private static Integer amountScale(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToInt() && node.intValue() >= 0 && node.intValue() <= MAX_AMOUNT_SCALE) {
      return node.intValue();
    }
    errors.add(error("amountScale", "invalid_amount_scale", quote(node.toString()) + " must be an integer from 0 to " + MAX_AMOUNT_SCALE));
    return null;
  }

  /** "exact" is the default and stored as absent, so that writing it out or leaving it out is the same version. */
  private static String metricFormat(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull() || (node.isTextual() && node.textValue().equals(EXACT))) {
      return null;
    }
    if (node.isTextual() && node.textValue().equals(SNAKE_CASE)) {
      return SNAKE_CASE;
    }
    errors.add(error("metricFormat", "invalid_metric_format", quote(node.toString()) + " must be \"exact\" (the default: metric"
        + " names as sent) or \"snake_case\" (\"Order Completed\" is order_completed)"));
    return null;
  }

  private static FieldError error(String field, String code, String message) {
    return new FieldError(field, code, message);
  }

  static String quote(String text) {
    return Quote.cut(text, MAX_QUOTED_CHARS);
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }
}
