package dev.tally.security;

import dev.tally.normalize.Quote;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The web origins an ingest key may be used from (its {@code allowedOrigins}), as browsers write them in the
 * {@code Origin} header: {@code scheme://host[:port]}, http or https, nothing else (no path, query, user or
 * wildcard port). One wildcard form: {@code https://*.example.com} is every subdomain of example.com, at any depth,
 * with that scheme and port — not example.com itself. Entries are compared case-insensitively with default ports
 * removed ({@code https://shop.example.com:443} is {@code https://shop.example.com}). Pure.
 */
public final class Origins {

  /** Most origins one key may list. */
  static final int MAX_ORIGINS = 100;
  private static final String WILDCARD = "*.";
  /** What a wildcard's star stands for: one or more DNS labels. Compiled once: it is checked on every browser request. */
  private static final Pattern LABELS = Pattern.compile("[a-z0-9-]+(\\.[a-z0-9-]+)*");

  private Origins() {}

  /** The entries normalized, or the problems with them (each naming the entry). */
  record Checked(List<String> origins, List<String> errors) {}

  static Checked check(List<String> entries) {
    List<String> origins = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    if (entries.size() > MAX_ORIGINS) {
      errors.add("allowedOrigins holds more than " + MAX_ORIGINS + " origins");
    }
    for (String entry : entries) {
      String problem = problem(entry);
      if (problem != null) {
        errors.add("allowedOrigins entry " + Quote.quoted(entry) + " " + problem);
      } else if (!origins.contains(normalize(entry))) {
        origins.add(normalize(entry));
      }
    }
    return new Checked(List.copyOf(origins), errors);
  }

  /**
   * Whether a request with this {@code Origin} header may use a key with these allowed origins: always when the
   * key lists none (null) or the request has no Origin (not a browser's cross-origin request); {@code null} and any
   * header that is not an origin are in no list.
   */
  public static boolean allows(List<String> allowed, String origin) {
    if (allowed == null || origin == null) {
      return true;
    }
    if (problem(origin) != null || origin.contains(WILDCARD)) {
      return false;
    }
    String given = normalize(origin);
    for (String entry : allowed) {
      if (entry.equals(given) || matchesWildcard(entry, given)) {
        return true;
      }
    }
    return false;
  }

  /** {@code https://*.example.com[:port]}: one or more labels in place of the star, the same scheme and port. */
  private static boolean matchesWildcard(String entry, String given) {
    int star = entry.indexOf(WILDCARD);
    if (star < 0) {
      return false;
    }
    String scheme = entry.substring(0, star);
    String suffix = entry.substring(star + 1);
    if (!given.startsWith(scheme) || !given.endsWith(suffix) || given.length() <= scheme.length() + suffix.length()) {
      return false;
    }
    String labels = given.substring(scheme.length(), given.length() - suffix.length());
    return LABELS.matcher(labels).matches();
  }

  /** Why {@code entry} is not an origin (null when it is one). */
  static String problem(String entry) {
    if (entry == null || entry.isBlank()) {
      return "is empty";
    }
    if (entry.length() > 300) {
      return "is longer than 300 characters";
    }
    String host = entry;
    boolean wildcard = false;
    int afterScheme = entry.indexOf("://");
    if (afterScheme > 0 && entry.startsWith(WILDCARD, afterScheme + 3)) {
      wildcard = true;
      host = entry.substring(0, afterScheme + 3) + entry.substring(afterScheme + 3 + WILDCARD.length());
    }
    if (host.contains("*")) {
      return "has a wildcard elsewhere than as the first label (https://*.example.com is the one wildcard form)";
    }
    URI uri;
    try {
      uri = new URI(host);
    } catch (URISyntaxException e) {
      return "is not an origin such as https://shop.example.com";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return "must start with https:// or http://";
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null) {
      return "is not an origin such as https://shop.example.com (scheme://host[:port])";
    }
    if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return "has a path, query or fragment; an origin is scheme://host[:port] only";
    }
    if (wildcard && !uri.getHost().contains(".")) {
      return "wildcards a top-level domain; give at least https://*.example.com";
    }
    return null;
  }

  /** scheme://host[:port] in lower case, without the scheme's default port. */
  static String normalize(String origin) {
    String lower = origin.strip().toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://") && lower.endsWith(":443")) {
      return lower.substring(0, lower.length() - 4);
    }
    if (lower.startsWith("http://") && lower.endsWith(":80")) {
      return lower.substring(0, lower.length() - 3);
    }
    return lower;
  }
}
