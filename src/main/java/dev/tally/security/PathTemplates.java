package dev.tally.security;

import java.util.regex.Pattern;

/** JAX-RS {@code @Path} templates as regular expressions over a request path. Pure. */
final class PathTemplates {

  private PathTemplates() {}

  /**
   * {@code /v1/{route: batch|import}} matches /v1/batch and /v1/import/; {@code {name}} is one path segment; slashes
   * are collapsed and a trailing one is optional, as Quarkus REST routes them.
   */
  static Pattern regex(String template) {
    String path = ("/" + template).replaceAll("/+", "/");
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c != '{') {
        literal.append(c);
        continue;
      }
      if (!literal.isEmpty()) {
        regex.append(Pattern.quote(literal.toString()));
        literal.setLength(0);
      }
      int depth = 1;
      int end = i + 1;
      while (depth > 0) {
        char d = path.charAt(end++);
        depth += d == '{' ? 1 : d == '}' ? -1 : 0;
      }
      String variable = path.substring(i + 1, end - 1);
      int colon = variable.indexOf(':');
      regex.append(colon < 0 ? "[^/]+" : "(?:" + variable.substring(colon + 1).strip() + ")");
      i = end - 1;
    }
    String rest = literal.toString();
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (!rest.isEmpty()) {
      regex.append(Pattern.quote(rest));
    }
    return Pattern.compile(regex + "/?");
  }
}
