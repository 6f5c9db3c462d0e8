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
    List<String> keys = new ArrayList<>(2);
    List<JsonNode> values = new ArrayList<>(2);
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (means(entry.getKey(), field)) {
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

  /**
   * Whether {@code key} names {@code field}: equal once ASCII letters are lowercased and '_' and '-' dropped; any
   * other character must match exactly. Compared in place: every lookup runs over every key of every event.
   */
  static boolean means(String key, String field) {
    int i = 0;
    int j = 0;
    while (true) {
      i = skipSeparators(key, i);
      j = skipSeparators(field, j);
      if (i == key.length() || j == field.length()) {
        return i == key.length() && j == field.length();
      }
      if (lowerAscii(key.charAt(i)) != lowerAscii(field.charAt(j))) {
        return false;
      }
      i++;
      j++;
    }
  }

  private static int skipSeparators(String text, int from) {
    int i = from;
    while (i < text.length() && (text.charAt(i) == '_' || text.charAt(i) == '-')) {
      i++;
    }
    return i;
  }

  private static char lowerAscii(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }

  /**
   * Equal JSON values; numbers are equal when numerically equal (1.0 and 1.00 are the same amount). Numbers that
   * are not both exact and bounded ({@link Numbers}) are compared as written, which only ever makes two keys
   * ambiguous: either way the event is rejected.
   */
  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber() && Numbers.of(a) instanceof Numbers.Exact x && Numbers.of(b) instanceof Numbers.Exact y) {
      return x.value().compareTo(y.value()) == 0;
    }
    return a.equals(b);
  }
}
