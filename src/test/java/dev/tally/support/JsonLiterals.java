package dev.tally.support;

/** JSON text for property tests that must reach the parser with any string, NUL and lone surrogates included. */
public final class JsonLiterals {

  private JsonLiterals() {}

  /** A JSON string literal; everything outside printable ASCII as a \\u escape, so NUL and lone surrogates reach the parser. */
  public static String quoted(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
