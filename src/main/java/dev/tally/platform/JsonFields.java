package dev.tally.platform;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the fields of a JSON request body one by one and collects every problem on the way — a missing or non-object
 * body, an unknown field, a field of the wrong type, a null inside a list — so that the 400 names them all at once,
 * instead of the first one Jackson trips over (or none). Request records build themselves through it
 * ({@code KeyRequest.from(body)}), which keeps binding explicit and free of reflection.
 */
public final class JsonFields {

  private final JsonNode body;
  private final List<String> problems = new ArrayList<>();

  private JsonFields(JsonNode body) {
    this.body = body;
  }

  /**
   * @param example a valid body, quoted in the problem when the body is not an object at all
   * @param names every field the body may have; any other is a problem
   */
  public static JsonFields of(JsonNode body, String example, Set<String> names) {
    if (body == null || body.isMissingNode() || body.isNull()) {
      JsonFields empty = new JsonFields(null);
      empty.problems.add("the body must be a JSON object such as " + example);
      return empty;
    }
    if (!body.isObject()) {
      JsonFields wrong = new JsonFields(null);
      wrong.problems.add("the body must be a JSON object such as " + example + ", not " + kind(body));
      return wrong;
    }
    JsonFields fields = new JsonFields(body);
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!names.contains(name)) {
        fields.problems.add(unknown(name, names));
      }
    }
    return fields;
  }

  /** A string field; null when absent or null. */
  public String string(String name) {
    JsonNode value = value(name);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      problems.add(name + " must be a string, not " + kind(value));
      return null;
    }
    return value.textValue();
  }

  /** A boolean field; null when absent or null. {@code "yes"} is not a boolean. */
  public Boolean bool(String name) {
    JsonNode value = value(name);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      problems.add(name + " must be true or false, not " + kind(value));
      return null;
    }
    return value.booleanValue();
  }

  /** A whole-number field within int's range; null when absent or null. */
  public Integer integer(String name) {
    JsonNode value = value(name);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      problems.add(name + " must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", not " + kind(value));
      return null;
    }
    return value.intValue();
  }

  /** A list of strings; null when absent or null. Every element that is not a string is named with its index. */
  public List<String> strings(String name) {
    JsonNode value = value(name);
    if (value == null) {
      return null;
    }
    if (!value.isArray()) {
      problems.add(name + " must be a list of strings such as [\"a\"], not " + kind(value));
      return null;
    }
    List<String> strings = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode element = value.get(i);
      if (element.isTextual()) {
        strings.add(element.textValue());
      } else {
        problems.add(name + "[" + i + "] must be a string, not " + kind(element));
      }
    }
    return strings;
  }

  /** Adds a problem found by the caller's own checks (ranges, combinations of fields). */
  public JsonFields problem(String problem) {
    problems.add(problem);
    return this;
  }

  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Throws a 400 naming every problem found so far, if there is any. */
  public void orFail(String detail) {
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(detail, problems);
    }
  }

  private JsonNode value(String name) {
    if (body == null) {
      return null;
    }
    JsonNode value = body.get(name);
    return value == null || value.isNull() ? null : value;
  }

  private static String unknown(String name, Set<String> names) {
    String shown = name.length() > 64 ? name.substring(0, 64) + "…" : name;
    for (String known : names) {
      if (known.equalsIgnoreCase(name)) {
        return "unknown field \"" + shown + "\": field names are case-sensitive; did you mean " + known + "?";
      }
    }
    return "unknown field \"" + shown + "\"; the fields are " + String.join(", ", names.stream().sorted().toList());
  }

  /** How a value is described in a problem: its JSON type, with short scalars quoted. */
  static String kind(JsonNode value) {
    if (value.isNull()) {
      return "null";
    }
    if (value.isValueNode()) {
      String text = value.toString();
      String type = value.isTextual() ? "a string" : value.isNumber() ? "a number" : "a boolean";
      return type + " (" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + ")";
    }
    return value.isArray() ? "an array" : "an object";
  }
}
