package dev.tally.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says what is wrong with a body the JSON parser refused, in the terms of the client who wrote it: what was found
 * where, at which line and column. The parser's own messages describe its internals (its source description,
 * feature switches, the names of its classes and token types) and are only ever matched here, never passed on.
 * Pure.
 */
public final class JsonErrors {

  private static final int MAX_QUOTED = 40;
  private static final Pattern LIMIT = Pattern.compile("maximum allowed \\((\\d+)");
  private static final Pattern CHARACTER = Pattern.compile("^Unexpected character \\('.*?' \\(code (\\d+)\\)\\)(.*)$", Pattern.DOTALL);
  private static final Pattern CLOSE_MARKER = Pattern.compile("^Unexpected close marker '(.)'(?:: expected '(.)')?");
  private static final Pattern TOKEN = Pattern.compile("^(?:Unrecognized|Non-standard) token '(.*?)'", Pattern.DOTALL);
  private static final Pattern CONTROL = Pattern.compile("\\(CTRL-CHAR, code (\\d+)\\)");
  private static final Pattern ESCAPE = Pattern.compile("^Unrecognized character escape '(.)'");

  private JsonErrors() {}

  /** What is wrong and where: "... (line 2, column 8)". {@code fallback} locates errors that carry no location. */
  public static String describe(IOException e, JsonLocation fallback) {
    String what = e instanceof JsonProcessingException jpe ? what(jpe) : "the body could not be read";
    JsonLocation location = e instanceof JsonProcessingException jpe && jpe.getLocation() != null ? jpe.getLocation() : fallback;
    return what + at(location);
  }

  /** " (line L, column C)", or nothing when there is no location to name. */
  public static String at(JsonLocation location) {
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return " (line " + location.getLineNr() + ", column " + Math.max(1, location.getColumnNr()) + ")";
  }

  /** The JSON type of the value a token starts, as a message names it: "string", "number", "boolean", "null". */
  public static String kind(JsonToken token) {
    return switch (token) {
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> token.name().toLowerCase(Locale.ROOT);
    };
  }

  private static String what(JsonProcessingException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      return overLimit(message);
    }
    if (message.startsWith("Unexpected end-of-input")) {
      return endOfInput(message);
    }
    if (message.startsWith("Invalid UTF-8") || message.contains("UTF-8")) {
      return "the body is not valid UTF-8; JSON must be sent as UTF-8";
    }
    Matcher character = CHARACTER.matcher(message);
    if (character.find()) {
      return unexpectedCharacter(Integer.parseInt(character.group(1)), character.group(2));
    }
    Matcher close = CLOSE_MARKER.matcher(message);
    if (close.find()) {
      return close.group(2) == null
          ? "unexpected '" + close.group(1) + "': nothing is open for it to close"
          : "unexpected '" + close.group(1) + "' where '" + close.group(2) + "' should close the "
              + (close.group(2).equals("}") ? "object" : "array");
    }
    Matcher token = TOKEN.matcher(message);
    if (token.find()) {
      return "unexpected word " + quoted(token.group(1)) + ": text must be a string in double quotes, and the only bare words"
          + " JSON knows are true, false and null (numbers must be finite)";
    }
    Matcher control = CONTROL.matcher(message);
    if (control.find()) {
      String code = codePoint(Integer.parseInt(control.group(1)));
      return message.startsWith("Illegal unquoted character")
          ? "the control character " + code + " must be escaped inside a string (as \\u" + code.substring(2) + ")"
          : "the control character " + code + " appears between values, where only spaces, tabs and line breaks may";
    }
    Matcher escape = ESCAPE.matcher(message);
    if (escape.find()) {
      return "\\" + escape.group(1) + " is not a JSON escape; a backslash in a string is written \\\\";
    }
    if (message.startsWith("Invalid numeric value")) {
      return message.contains("Leading zeroes") ? "a number must not start with a leading zero" : "a number is not written as JSON"
          + " writes numbers";
    }
    return ours(message);
  }

  private static String overLimit(String message) {
    Matcher limit = LIMIT.matcher(message);
    String max = limit.find() ? limit.group(1) : null;
    if (message.contains("nesting depth")) {
      return "objects and arrays are nested more than " + max + " levels deep (tally.ingest.max-nesting-depth)";
    }
    if (message.startsWith("String value length")) {
      return "a string is longer than " + max + " characters (tally.ingest.max-string-length)";
    }
    if (message.startsWith("Number value length")) {
      return "a number is longer than " + max + " characters (tally.ingest.max-number-length)";
    }
    if (message.startsWith("Name length")) {
      return "a member name is longer than " + max + " characters";
    }
    return "the body is over one of the parser's limits on size";
  }

  private static String endOfInput(String message) {
    if (message.contains("String") || message.contains("STRING") || message.contains("name")) {
      return "the body ends inside a string: a closing '\"' is missing";
    }
    if (message.contains("Object")) {
      return "the body ends before an object is closed: a '}' is missing";
    }
    if (message.contains("Array")) {
      return "the body ends before an array is closed: a ']' is missing";
    }
    return "the body ends before the JSON value is complete";
  }

  private static String unexpectedCharacter(int code, String rest) {
    String found = code < 0 ? "the end of the body"
        : code < 0x20 || code == 0x7f ? "the control character " + codePoint(code)
        : "'" + new String(Character.toChars(code)) + "'";
    String expected;
    if (rest.contains("in numeric value")) {
      expected = rest.contains("Decimal point") ? " after a '.' in a number, where a digit must follow"
          : rest.contains("minus sign") ? " after a '-', where a digit must follow"
          : rest.contains("Exponent") ? " in a number's exponent, where a digit must follow" : " in a number";
    } else if (rest.contains("expected a valid value") || rest.contains("expected a value")) {
      expected = " where a value was expected (an object, array, string in double quotes, number, true, false or null)";
    } else if (rest.contains("comma to separate Object")) {
      expected = " where ',' or '}' should follow an object's member";
    } else if (rest.contains("comma to separate Array")) {
      expected = " where ',' or ']' should follow an array's element";
    } else if (rest.contains("double-quote to start field name")) {
      expected = " where a member name in double quotes should start (no trailing commas, no single quotes)";
    } else if (rest.contains("colon to separate")) {
      expected = " where ':' should follow a member name";
    } else {
      expected = "";
    }
    return "unexpected " + found + expected;
  }

  /** Tally's own messages, raised through the parser: passed on, without anything the parser may have added. */
  private static String ours(String message) {
    String text = message
        .replaceAll("\\s*\\((?:start marker|for \\w+ starting) at \\[[^\\]]*\\]\\)", "")
        .replaceAll("\\s*at \\[Source:[^\\]]*\\]", "")
        .replaceAll("\\s*\\(code -?\\d+\\)", "")
        .replaceAll("`[^`]*`", "")
        .strip();
    if (text.isEmpty() || text.contains("[") || text.contains("Source:") || text.contains("com.fasterxml")) {
      return "the body is not valid JSON";
    }
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }

  private static String codePoint(int code) {
    return String.format(Locale.ROOT, "U+%04X", code);
  }

  private static String quoted(String text) {
    String cut = text.length() > MAX_QUOTED ? text.substring(0, MAX_QUOTED) + "…" : text;
    return "'" + cut + "'";
  }
}
