package dev.tally.outcome;

import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;

/**
 * Conditional reads of the outcomes. The materialization changes only in a refresh that took changes, which
 * advances the generation, so a tag naming the current generation and the same query is answered 304 without
 * reading anything but the state.
 */
@ApplicationScoped
public class OutcomeService {

  /** Example raw ids listed per rejection code. */
  static final int EXAMPLES = 3;

  @Inject OutcomeRepository repository;
  @Inject TallyConfig config;

  Uni<Reply> answer(OutcomeQuery query, String ifNoneMatch) {
    String queryHash = hash(query.canonical());
    if (ifNoneMatch == null) {
      return read(query, queryHash);
    }
    return repository.state().flatMap(state -> {
      String current = tag(state.generation(), queryHash);
      return matches(ifNoneMatch, current)
          ? Uni.createFrom().item(new Reply(current, state.asOf(), null))
          : read(query, queryHash);
    });
  }

  private Uni<Reply> read(OutcomeQuery query, String queryHash) {
    return repository.buckets(query).flatMap(found -> repository.topCodes(query, config.outcomes().topCodes(), EXAMPLES)
        .map(codes -> new Reply(tag(found.state().generation(), queryHash), found.state().asOf(),
            new OutcomePage(found.state().asOf(), query.granularity().parameterValue(), zoneName(query), query.from(),
                query.to(), found.buckets(), found.truncated(), codes))));
  }

  /** The zone's IANA id; UTC by name. */
  private static String zoneName(OutcomeQuery query) {
    return query.zone().equals(ZoneOffset.UTC) ? "UTC" : query.zone().getId();
  }

  /** If-None-Match lists the tag (weakly compared, RFC 9110) or is "*". */
  static boolean matches(String ifNoneMatch, String current) {
    String opaque = current.substring(2);
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      if (tag.equals("*") || tag.equals(current) || tag.equals(opaque)) {
        return true;
      }
    }
    return false;
  }

  static String tag(long generation, String queryHash) {
    return "W/\"o" + generation + "-" + queryHash + "\"";
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
  record Reply(String etag, Instant asOf, OutcomePage page) {}
}
