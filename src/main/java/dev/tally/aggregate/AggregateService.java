package dev.tally.aggregate;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;

/**
 * Conditional reads of the aggregates ({@link AggregateTag}). A dashboard's copy stays current across refreshes
 * that changed only other clients' rows:
 * <ul>
 *   <li>a tag of the current generation and the same query is answered 304 without reading the rows;
 *   <li>otherwise the rows are read, and a tag with the same query and the same rows is still answered 304 (with
 *       the tag of the current generation).
 * </ul>
 */
@ApplicationScoped
public class AggregateService {

  @Inject AggregateRepository repository;
  @Inject ZoneDays zoneDays;

  /** The page, or none (not modified) when {@code ifNoneMatch} names a tag of the current answer. */
  public Uni<Reply> answer(AggregateQuery query, String ifNoneMatch) {
    List<AggregateTag> tags = ifNoneMatch == null ? List.of() : AggregateTag.listed(ifNoneMatch);
    boolean any = ifNoneMatch != null && AggregateTag.any(ifNoneMatch);
    if (tags.isEmpty()) {
      // No tag of Tally's to compare without the rows: the rows' own query reads the state too, one round trip.
      return read(query, tags, any);
    }
    String queryHash = AggregateTag.queryHash(query);
    return repository.state().flatMap(state -> current(tags, state.generation(), queryHash)
        .map(tag -> Uni.createFrom().item(new Reply(tag.header(), state, null)))
        .orElseGet(() -> read(query, tags, any)));
  }

  private Uni<Reply> read(AggregateQuery query, List<AggregateTag> tags, boolean any) {
    boolean preRolled = query.granularity() == Granularity.DAY && !query.utc() && zoneDays.preRolled(query.zone());
    return repository.find(query, preRolled).map(answer -> {
      AggregateTag current = AggregateTag.of(answer.state().generation(), query, answer.page());
      return new Reply(current.header(), answer.state(), notModified(tags, any, current) ? null : answer.page());
    });
  }

  /** A listed tag of the current generation for this query: the rows are the ones it was made from. */
  static Optional<AggregateTag> current(List<AggregateTag> tags, long generation, String queryHash) {
    return tags.stream().filter(tag -> tag.generation() == generation && tag.query().equals(queryHash)).findFirst();
  }

  /** "*", or a listed tag with the same query and rows as the answer read now. */
  static boolean notModified(List<AggregateTag> tags, boolean any, AggregateTag current) {
    return any || tags.stream().anyMatch(current::sameAnswer);
  }

  /** An answer: {@code page} is null when the client's copy is current (304). */
  public record Reply(String etag, AggregateState state, AggregatePage page) {}
}
