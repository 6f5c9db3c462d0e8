package dev.tally.aggregate;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Conditional reads of the aggregates. The ETag is derived from the view's generation and the query: it
 * changes only when a refresh rebuilt the view. It is weak because asOf in the body moves on even when the
 * rows do not (a check that found no change advances asOf); the rows are the same.
 */
@ApplicationScoped
public class AggregateService {

  @Inject AggregateRepository repository;

  /** The page, or none (not modified) when {@code ifNoneMatch} names the current ETag. */
  public Uni<Reply> answer(AggregateQuery query, String ifNoneMatch) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      // Nothing to compare: the rows' own query reads the state too, so one round trip is enough.
      return read(query);
    }
    return repository.state().flatMap(state -> {
      String etag = etag(state.generation(), query);
      return matches(ifNoneMatch, etag) ? Uni.createFrom().item(new Reply(etag, state, null)) : read(query);
    });
  }

  private Uni<Reply> read(AggregateQuery query) {
    return repository.find(query)
        .map(answer -> new Reply(etag(answer.state().generation(), query), answer.state(), answer.page()));
  }

  static String etag(long generation, AggregateQuery query) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(query.canonical().getBytes(StandardCharsets.UTF_8));
      return "W/\"g" + generation + "-" + HexFormat.of().formatHex(digest, 0, 8) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** RFC 9110 If-None-Match: a list of entity tags or "*", compared weakly. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      return false;
    }
    String opaque = opaque(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      if (tag.equals("*") || opaque(tag).equals(opaque)) {
        return true;
      }
    }
    return false;
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  /** An answer: {@code page} is null when the client's copy is current (304). */
  public record Reply(String etag, AggregateState state, AggregatePage page) {}
}
