package dev.tally.aggregate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An aggregates ETag, {@code W/"g<generation>-<query>-<rows>"}: the view's generation, and hashes of the query
 * and of the rows (everything in the body but asOf). Weak, because asOf moves on even when the rows do not.
 */
record AggregateTag(long generation, String query, String rows) {

  private static final Pattern SHAPE = Pattern.compile("(?:W/)?\"g([0-9]{1,18})-([0-9a-f]{16})-([0-9a-f]{16})\"");

  static AggregateTag of(long generation, AggregateQuery query, AggregatePage page) {
    return new AggregateTag(generation, queryHash(query), hash(rowsText(page)));
  }

  static String queryHash(AggregateQuery query) {
    return hash(query.canonical());
  }

  /**
   * The tags of Tally's shape listed in an If-None-Match value (RFC 9110: a list, compared weakly, so the strong
   * form is read too); anything else in it can never match and is left out.
   */
  static List<AggregateTag> listed(String ifNoneMatch) {
    List<AggregateTag> tags = new ArrayList<>();
    for (String candidate : ifNoneMatch.split(",")) {
      Matcher matcher = SHAPE.matcher(candidate.strip());
      if (matcher.matches()) {
        tags.add(new AggregateTag(Long.parseLong(matcher.group(1)), matcher.group(2), matcher.group(3)));
      }
    }
    return tags;
  }

  /** True when If-None-Match is "*": any current answer matches. */
  static boolean any(String ifNoneMatch) {
    for (String candidate : ifNoneMatch.split(",")) {
      if (candidate.strip().equals("*")) {
        return true;
      }
    }
    return false;
  }

  /** The same query and the same rows, whatever the generations. */
  boolean sameAnswer(AggregateTag other) {
    return query.equals(other.query) && rows.equals(other.rows);
  }

  String header() {
    return "W/\"g" + generation + "-" + query + "-" + rows + "\"";
  }

  private static String rowsText(AggregatePage page) {
    StringBuilder text = new StringBuilder(64 + 96 * page.rows().size()).append(page.truncated());
    for (AggregateRow row : page.rows()) {
      text.append('\u001E').append(row.clientId()).append('\u001F').append(row.metric()).append('\u001F').append(row.bucket())
          .append('\u001F').append(row.count()).append('\u001F').append(row.sum()).append('\u001F').append(row.min())
          .append('\u001F').append(row.max()).append('\u001F').append(row.avg());
    }
    return text.toString();
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
