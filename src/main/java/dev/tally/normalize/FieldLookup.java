package dev.tally.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Finds a canonical field in a payload under the default rules: a key matches when it equals the field's
 * name ignoring ASCII case, '_' and '-' ({@code client_id}, {@code ClientID}, {@code client-id} all mean
 * {@code clientId}). No other synonyms.
 */
final class FieldLookup {

  /** What a lookup found: nothing, one value (possibly under several equal keys), or conflicting values. */
  sealed interface Result {}

  record Missing() implements Result {}

  record Found(String key, JsonNode value) implements Result {}

  /** The matching keys with their values, in payload order; the message quotes them. */
  record Ambiguous(List<String> keys, List<JsonNode> values) implements Result {}

  private FieldLookup() {}

  static Result find(JsonNode object, String field) {
    String wanted = fold(field);
    List<String> keys = new ArrayList<>(2);
    List<JsonNode> values = new ArrayList<>(2);
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (fold(entry.getKey()).equals(wanted)) {
        keys.add(entry.getKey());
        values.add(entry.getValue());
      }
    }
    if (keys.isEmpty()) {
      return new Missing();
    }
    for (int i = 1; i < values.size(); i++) {
      if (!sameValue(values.get(0), values.get(i))) {
        return new Ambiguous(List.copyOf(keys), List.copyOf(values));
      }
    }
    // Equal numbers may differ in form (42 and 42.0); prefer the integer so that the outcome never depends
    // on key order (an integer clientId is valid, a decimal one is not).
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i).isIntegralNumber()) {
        return new Found(keys.get(i), values.get(i));
      }
    }
    return new Found(keys.get(0), values.get(0));
  }

  /** Lowercases ASCII letters and drops '_' and '-'; any other character must match exactly. */
  static String fold(String key) {
    StringBuilder folded = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '_' || c == '-') {
        continue;
      }
      folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return folded.toString();
  }

  /** Equal JSON values; numbers are equal when numerically equal (1.0 and 1.00 are the same amount). */
  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }
}
