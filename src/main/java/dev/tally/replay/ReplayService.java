package dev.tally.replay;

import dev.tally.ingest.EventResult;
import dev.tally.normalize.Normalizer;
import dev.tally.platform.BadRequestException;
import dev.tally.platform.ConflictException;
import dev.tally.platform.NotFoundException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Validates replay requests, records them and hands them to the runner. */
@ApplicationScoped
public class ReplayService {

  /** Statuses whose rows can be normalized again; pending rows belong to the recovery job. */
  static final Set<String> REPLAYABLE = Set.of(EventResult.REJECTED, EventResult.CONFLICT, EventResult.ACCEPTED, EventResult.DUPLICATE);

  /** A replay's states, in the order they are listed in errors. */
  static final List<String> STATES = List.of("running", "succeeded", "failed", "cancelled");

  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

  @Inject ReplayRepository replays;
  @Inject ReplayRunner runner;

  public Uni<ReplayView> start(ReplayRequest request) {
    if (request == null || !Normalizer.isClientId(request.clientId())) {
      throw new BadRequestException("clientId", "clientId is required: 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
    List<String> statuses = statuses(request.statuses());
    Instant from = instant("from", request.from());
    Instant to = instant("to", request.to());
    if (from != null && to != null && !from.isBefore(to)) {
      throw new BadRequestException("to", "to must be after from");
    }
    return replays.create(request.clientId(), statuses, from, to)
        .invoke(created -> runner.start(created.replay()))
        .map(ReplayRepository.Created::view);
  }

  public Uni<ReplayView> find(long id) {
    return replays.find(id).map(found -> found.orElseThrow(() -> new NotFoundException("no replay " + id)));
  }

  /** Replays newest first; {@code afterId} is the previous page's {@code next}. */
  public Uni<ReplayPage> list(String clientId, String state, Long afterId, int limit) {
    if (state != null && !STATES.contains(state)) {
      throw new BadRequestException("state", "state must be one of " + String.join(", ", STATES));
    }
    // One row more than asked for tells whether there is a next page.
    return replays.list(clientId, state, afterId, limit + 1).map(found -> found.size() > limit
        ? new ReplayPage(found.subList(0, limit), String.valueOf(found.get(limit - 1).id()))
        : new ReplayPage(found, null));
  }

  /**
   * Cancels a running replay: its runner stops at the next chunk boundary (the chunk in progress commits first).
   * Cancelling a cancelled replay changes nothing; a finished one (succeeded, failed) is a conflict.
   */
  public Uni<ReplayView> cancel(long id) {
    return replays.cancel(id).map(found -> {
      ReplayRepository.Cancellation cancellation = found.orElseThrow(() -> new NotFoundException("no replay " + id));
      String previous = cancellation.previousState();
      if (!previous.equals("running") && !previous.equals("cancelled")) {
        throw new ConflictException("replay " + id + " has already " + previous + "; only a running replay can be cancelled");
      }
      return cancellation.replay();
    });
  }

  private static List<String> statuses(List<String> requested) {
    if (requested == null || requested.isEmpty()) {
      return List.of(EventResult.REJECTED);
    }
    Set<String> statuses = new LinkedHashSet<>();
    for (String status : requested) {
      if (status == null || !REPLAYABLE.contains(status)) {
        throw new BadRequestException("statuses", "statuses may hold " + String.join(", ", REPLAYABLE.stream().sorted().toList())
            + "; got " + status);
      }
      statuses.add(status);
    }
    return List.copyOf(statuses);
  }

  private static Instant instant(String parameter, String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    Instant instant;
    try {
      instant = OffsetDateTime.parse(text.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw new BadRequestException(parameter, parameter + " must be an ISO-8601 instant with offset, such as 2024-01-01T00:00:00Z");
    }
    // Beyond these the PostgreSQL client binds the value as 'infinity', and the replay then fails reading it back.
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw new BadRequestException(parameter, parameter + " must be within the years 0001 to 9999");
    }
    return instant;
  }
}
