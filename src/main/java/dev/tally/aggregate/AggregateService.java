package dev.tally.aggregate;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Conditional reads of the aggregates. The ETag names the view's generation, the query and the rows
 * ({@code W/"g<generation>-<query>-<rows>"}), so a dashboard's copy stays current across refreshes that changed
 * only other clients' rows:
 * <ul>
 *   <li>a tag of the current generation and the same query is answered 304 without reading the rows;
 *   <li>otherwise the rows are read, and a tag with the same query and the same rows is still answered 304 (with
 *       the tag of the current generation).
 * </ul>
 * Weak, because asOf in the body moves on even when the rows do not.
 */
@ApplicationScoped
public class AggregateService {

  private static final Pattern TAG = Pattern.compile("(?:W/)?\"g([0-9]{1,19})-([0-9a-f]{16})-([0-9a-f]{16})\"");

  @Inject AggregateRepository repository;

  /** The page, or none (not modified) when {@code ifNoneMatch} names a tag of the current answer. */
  public Uni<Reply> answer(AggregateQuery query, String ifNoneMatch) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      // Nothing to compare: the rows' own query reads the state too, so one round trip is enough.
      return read(query, null);
    }
    String queryHash = hash(query.canonical());
    return repository.state().flatMap(state -> {
      Optional<String> current = currentTag(ifNoneMatch, state.generation(), queryHash);
      return current.isPresent() ? Uni.createFrom().item(new Reply(current.get(), state, null)) : read(query, ifNoneMatch);
    });
  }

  private Uni<Reply> read(AggregateQuery query, String ifNoneMatch) {
    return repository.find(query).map(answer -> {
      String etag = etag(answer.state().generation(), query, answer.page());
      return new Reply(etag, answer.state(), sameRows(ifNoneMatch, etag) ? null : answer.page());
    });
  }

  static String etag(long generation, AggregateQuery query, AggregatePage page) {
    return "W/\"g" + generation + "-" + hash(query.canonical()) + "-" + hash(rowsText(page)) + "\"";
  }

  /**
   * The client's tag when it is one of the current generation for this query: the rows are then the ones the tag
   * was made from. ("*" needs the rows read: the answer must carry a real tag.)
   */
  static Optional<String> currentTag(String ifNoneMatch, long generation, String queryHash) {
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      String[] parts = parts(tag);
      if (parts != null && parts[0].equals("g" + generation) && parts[1].equals(queryHash)) {
        return Optional.of(tag.startsWith("W/") ? tag : "W/" + tag); // answered weak, as Tally made it
      }
    }
    return Optional.empty();
  }

  /** RFC 9110 If-None-Match, compared weakly: true when a listed tag names the same query and rows as {@code etag}. */
  static boolean sameRows(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      return false;
    }
    String[] current = parts(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      String[] parts = parts(tag);
      if (tag.equals("*") || parts != null && parts[1].equals(current[1]) && parts[2].equals(current[2])) {
        return true;
      }
    }
    return false;
  }

  /** generation, query hash and rows hash of a tag Tally made; null for any other tag. */
  private static String[] parts(String tag) {
    Matcher matcher = TAG.matcher(tag);
    return matcher.matches() ? new String[] {"g" + matcher.group(1), matcher.group(2), matcher.group(3)} : null;
  }

  /** Everything in the body but asOf, in order. */
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

  /** An answer: {@code page} is null when the client's copy is current (304). */
  public record Reply(String etag, AggregateState state, AggregatePage page) {}
}
