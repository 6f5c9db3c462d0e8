package dev.tally.ingest;

import dev.tally.normalize.Normalization;
import dev.tally.platform.DatabaseFailures;
import dev.tally.platform.DatabaseUnavailableException;
import dev.tally.platform.TallyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Group commit: the requests that arrive together share one raw insert and one settle statement, so a commit (and a
 * round trip through the pool and a PostgreSQL backend) is paid per group, not per request — the way rudder-server's
 * gateway batches web requests into one database write.
 *
 * <p>A request that finds a writer free goes out at once, with whatever waits: a lone request never waits for company.
 * While every writer ({@code tally.ingest.group-commit.writers}) is busy, requests gather; the group goes out when a
 * writer frees up, when it holds {@code max-events}, or when its first request has waited {@code max-wait}. Requests
 * are never split: one request's elements are in one group. When requests are waiting by the time a group's settle
 * goes out, the settle carries their raw insert (one statement, one commit for both), and the writer then goes on with
 * them: a busy writer pays one commit per group instead of two.
 *
 * <p>Every guarantee of a request written alone holds for each member. Raw rows commit first, then the settle; a
 * member is answered only after both committed. Duplicates, within a request and across the members of a group, are
 * decided by {@code ON CONFLICT} as for one request (the raw row stored first stands for the event). When a shared
 * statement fails for a reason that is not transient (a member's data the database refuses, a bug), it is retried
 * for each member alone, so the culprit alone gets its error; a transient failure (the database away) answers every
 * member 503 and leaves their raw rows pending for the recovery job, as for one request.
 *
 * <p>Bounded: past {@code max-queued-events} waiting or being written, a request is answered 503 at once.
 */
@ApplicationScoped
public class GroupCommit {

  private static final Logger LOG = Logger.getLogger(GroupCommit.class);

  @Inject EventStore store;
  @Inject MappedNormalizer normalizer;
  @Inject Clock clock;
  @Inject TallyConfig config;
  @Inject MeterRegistry metrics;
  @Inject Vertx vertx;

  /** Requests waiting for a writer, oldest first. Guarded by {@code this}, as are the counts below. */
  private final ArrayDeque<Member> waiting = new ArrayDeque<>();
  private int waitingEvents;
  private int writingEvents;
  private int writing;
  private long timer = -1;

  private DistributionSummary groupEvents;
  private DistributionSummary groupRequests;
  private Timer waited;
  private Counter isolated;
  private Counter refused;
  private Counter expired;
  private Counter carriedGroups;

  @PostConstruct
  void registerMetrics() {
    groupEvents = DistributionSummary.builder("tally.ingest.group.events")
        .description("Events per group: the rows one shared raw insert wrote")
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(10_000.0).register(metrics);
    groupRequests = DistributionSummary.builder("tally.ingest.group.requests")
        .description("Requests per group: how many requests shared one raw insert and one settle")
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(10_000.0).register(metrics);
    waited = Timer.builder("tally.ingest.group.wait")
        .description("How long a request waited for its group to go out")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(metrics);
    Gauge.builder("tally.ingest.group.queued", this, GroupCommit::queuedEvents)
        .description("Events waiting for a writer").register(metrics);
    Gauge.builder("tally.ingest.group.writing", this, GroupCommit::writingEvents)
        .description("Events of groups being written").register(metrics);
    isolated = Counter.builder("tally.ingest.group.isolated")
        .description("Shared statements that failed for a reason that is not transient and were retried member by member")
        .register(metrics);
    refused = Counter.builder("tally.ingest.group.refused")
        .description("Requests answered 503 at once because tally.ingest.group-commit.max-queued-events was reached")
        .register(metrics);
    expired = Counter.builder("tally.ingest.group.expired")
        .description("Requests dropped from the queue unwritten because tally.ingest.request-deadline passed while they waited (already answered 503)")
        .register(metrics);
    carriedGroups = Counter.builder("tally.ingest.group.carried")
        .description("Groups whose raw insert was carried by the settle of the group before them: one commit for both")
        .register(metrics);
  }

  /**
   * Writes the entries' raw rows, normalizes and settles them, in a group with the requests that arrive meanwhile;
   * the entries come back with their results, in order. Fails with {@link DatabaseUnavailableException} when the
   * queue is full or the database is away.
   */
  public Uni<List<Entry>> write(List<Entry> entries) {
    if (entries.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    return Uni.createFrom().emitter(emitter -> submit(new Member(entries, new Reply(emitter, Vertx.currentContext()), System.nanoTime())));
  }

  synchronized int queuedEvents() {
    return waitingEvents;
  }

  synchronized int writingEvents() {
    return writingEvents;
  }

  /** How many groups are being written: for tests that hold writers busy. */
  synchronized int writing() {
    return writing;
  }

  private void submit(Member member) {
    TallyConfig.GroupCommit settings = config.ingest().groupCommit();
    List<List<Member>> groups;
    List<Member> late = new ArrayList<>(0);
    int held;
    synchronized (this) {
      held = waitingEvents + writingEvents;
      boolean full = held > 0 && held + member.size() > settings.maxQueuedEvents();
      if (full) {
        groups = null;
      } else {
        waiting.add(member);
        waitingEvents += member.size();
        groups = closeGroups(settings, late);
      }
    }
    expire(late);
    if (groups == null) {
      refused.increment();
      member.reply().fail(new DatabaseUnavailableException("this replica holds " + held
          + " events waiting to be written or being written (tally.ingest.group-commit.max-queued-events); nothing was stored"));
      return;
    }
    groups.forEach(this::start);
  }

  /**
   * The groups to send now: while a writer is free, or the waiting ones are enough or have waited enough. Members
   * that waited longer than tally.ingest.request-deadline go to {@code late} instead, unwritten: their clients were
   * answered 503 at the deadline, and under overload writing them would only delay the requests that can still be
   * answered in time (their retries are written as new requests).
   */
  private List<List<Member>> closeGroups(TallyConfig.GroupCommit settings, List<Member> late) {
    List<List<Member>> groups = new ArrayList<>(1);
    long maxWaitNanos = settings.maxWait().toNanos();
    dropExpired(late);
    while (!waiting.isEmpty()
        && (writing < settings.writers()
            || waitingEvents >= settings.maxEvents()
            || System.nanoTime() - waiting.peek().arrived() >= maxWaitNanos)) {
      groups.add(takeGroup(settings));
      writing++;
    }
    if (!waiting.isEmpty() && timer == -1) {
      long due = Math.max(1, TimeUnit.NANOSECONDS.toMillis(maxWaitNanos - (System.nanoTime() - waiting.peek().arrived())));
      timer = vertx.setTimer(due, id -> {
        List<List<Member>> ready;
        List<Member> expiredMembers = new ArrayList<>(0);
        synchronized (this) {
          timer = -1;
          ready = closeGroups(config.ingest().groupCommit(), expiredMembers);
        }
        expire(expiredMembers);
        ready.forEach(this::start);
      });
    }
    return groups;
  }

  /** Moves the requests that waited past tally.ingest.request-deadline (the oldest: at the head) to {@code late}. */
  private void dropExpired(List<Member> late) {
    long expiredBefore = System.nanoTime() - config.ingest().requestDeadline().toNanos();
    while (!waiting.isEmpty() && waiting.peek().arrived() - expiredBefore < 0) {
      Member gone = waiting.poll();
      waitingEvents -= gone.size();
      late.add(gone);
    }
  }

  /**
   * Takes the next group from a non-empty queue, oldest first: whole requests, at most max-events (one request with
   * more is a group of its own). Its events move from the waiting count to the writing count.
   */
  private List<Member> takeGroup(TallyConfig.GroupCommit settings) {
    List<Member> group = new ArrayList<>();
    int events = 0;
    while (!waiting.isEmpty() && (group.isEmpty() || events + waiting.peek().size() <= settings.maxEvents())) {
      Member next = waiting.poll();
      group.add(next);
      events += next.size();
    }
    waitingEvents -= events;
    writingEvents += events;
    return group;
  }

  private void start(List<Member> group) {
    record(group);
    run(group, events(group), () -> together(group, this::storeRaw).flatMap(this::settleAndCarry));
  }

  private void record(List<Member> group) {
    long now = System.nanoTime();
    for (Member m : group) {
      waited.record(now - m.arrived(), TimeUnit.NANOSECONDS);
    }
    groupEvents.record(events(group));
    groupRequests.record(group.size());
  }

  /**
   * Runs a group's steps on this writer; {@code accounted} is how many events it holds in the writing count. When the
   * group's settle carried the next group's raw rows, the writer goes on with that group; otherwise it is freed.
   */
  private void run(List<Member> group, int accounted, Supplier<Uni<? extends Carried>> steps) {
    Uni.createFrom().<Carried>deferred(steps)
        .subscribe().with(carried -> {
          if (carried.stored().isEmpty()) {
            finished(accounted + carried.taken());
            return;
          }
          handedOver(accounted);
          run(carried.stored(), carried.taken(), () -> settleAndCarry(carried.stored()));
        }, failure -> {
          // Every step answers its members itself; a failure here is a bug in this class, not in a member.
          LOG.errorf(failure, "A group of %d requests failed outside its statements", group.size());
          group.forEach(m -> m.reply().fail(failure));
          finished(accounted);
        });
  }

  private synchronized void handedOver(int events) {
    writingEvents -= events;
  }

  private void finished(int events) {
    List<List<Member>> groups;
    List<Member> late = new ArrayList<>(0);
    synchronized (this) {
      writing--;
      writingEvents -= events;
      groups = closeGroups(config.ingest().groupCommit(), late);
    }
    expire(late);
    groups.forEach(this::start);
  }

  /**
   * The requests waiting now, for a settle to carry their raw insert (up to max-events; none that waited past the
   * deadline): they move from the waiting count to the writing count of this writer.
   */
  private List<Member> carry() {
    List<Member> carried;
    List<Member> late = new ArrayList<>(0);
    synchronized (this) {
      dropExpired(late);
      carried = waiting.isEmpty() ? List.of() : takeGroup(config.ingest().groupCommit());
    }
    expire(late);
    if (!carried.isEmpty()) {
      record(carried);
      carriedGroups.increment();
    }
    return carried;
  }

  private void expire(List<Member> late) {
    for (Member m : late) {
      expired.increment();
      m.reply().fail(new DatabaseUnavailableException("waited longer than tally.ingest.request-deadline ("
          + config.ingest().requestDeadline().toMillis() + " ms) for a writer; nothing was stored"));
    }
  }

  /**
   * Runs a shared step for the whole group. When it fails for a reason that is not transient, it runs for each
   * member alone, so that only the members whose own step fails get the failure; a transient failure fails them all.
   * Returns the members that went through, with their entries as the step left them.
   */
  private Uni<List<Member>> together(List<Member> group, Function<List<Member>, Uni<List<Member>>> step) {
    return Uni.createFrom().deferred(() -> step.apply(group))
        .onFailure().recoverWithUni(failure -> {
          if (group.size() == 1 || DatabaseFailures.isTransient(failure)) {
            Throwable answer = DatabaseFailures.classify(failure);
            group.forEach(m -> m.reply().fail(answer));
            return Uni.createFrom().item(List.of());
          }
          isolated.increment();
          // One after another, in arrival order: as in the shared statement, the raw row stored first stands for an
          // event two members both carry (run concurrently, whichever commits first would win).
          return Multi.createFrom().iterable(group)
              .onItem().transformToUniAndConcatenate(m -> together(List.of(m), step))
              .collect().asList()
              .map(GroupCommit::flatten);
        });
  }

  /** What a group's settle carried: the next group's requests taken from the queue, and those whose raw rows are stored. */
  private record Carried(int taken, List<Member> stored) {
    static final Carried NOTHING = new Carried(0, List.of());
  }

  /**
   * Normalizes and settles a group whose raw rows are committed, and answers its members. When requests are waiting
   * by then, the settle carries their raw insert: one statement and one commit for both groups, so that a busy writer
   * pays one WAL flush per group instead of two. The carried group is returned, to be normalized and settled next.
   */
  private Uni<Carried> settleAndCarry(List<Member> stored) {
    return together(stored, this::normalize).flatMap(normalized -> {
      List<Settlement> settlements = settlements(normalized);
      if (settlements.isEmpty()) {
        answer(normalized);
        return Uni.createFrom().item(Carried.NOTHING);
      }
      List<Member> next = carry();
      if (next.isEmpty()) {
        return together(normalized, this::settleNormalized).invoke(GroupCommit::answer).replaceWith(Carried.NOTHING);
      }
      int taken = events(next);
      return store.settleCarrying(settlements, records(next))
          .map(both -> {
            answer(withResults(normalized, both.settled()));
            return new Carried(taken, withIds(next, both.rawIds()));
          })
          .onFailure().recoverWithUni(failure -> {
            if (DatabaseFailures.isTransient(failure)) {
              Throwable answer = DatabaseFailures.classify(failure);
              normalized.forEach(m -> m.reply().fail(answer));
              next.forEach(m -> m.reply().fail(answer));
              return Uni.createFrom().item(new Carried(taken, List.of()));
            }
            // One of either group's members is to blame: each step again on its own, as without carrying.
            return together(normalized, this::settleNormalized).invoke(GroupCommit::answer)
                .flatMap(ignored -> together(next, this::storeRaw))
                .map(storedNext -> new Carried(taken, storedNext));
          });
    });
  }

  private static void answer(List<Member> settled) {
    settled.forEach(m -> m.reply().complete(m.entries()));
  }

  private Uni<List<Member>> storeRaw(List<Member> group) {
    return store.insertRaw(records(group)).map(ids -> withIds(group, ids));
  }

  private static List<RawRecord> records(List<Member> group) {
    List<RawRecord> records = new ArrayList<>();
    for (Member m : group) {
      for (Entry e : m.entries()) {
        records.add(e.raw());
      }
    }
    return records;
  }

  private static List<Member> withIds(List<Member> group, List<Long> ids) {
    List<Member> stored = new ArrayList<>(group.size());
    int next = 0;
    for (Member m : group) {
      List<Entry> entries = new ArrayList<>(m.size());
      for (Entry e : m.entries()) {
        entries.add(e.stored(ids.get(next++)));
      }
      stored.add(m.with(entries));
    }
    return stored;
  }

  /** Normalizes the entries to settle with their clients' current mappings. */
  private Uni<List<Member>> normalize(List<Member> group) {
    Instant now = clock.instant();
    List<MappedNormalizer.Job> jobs = new ArrayList<>();
    for (Member m : group) {
      for (Entry e : m.entries()) {
        if (e.toSettle()) {
          jobs.add(e.job(now));
        }
      }
    }
    if (jobs.isEmpty()) {
      return Uni.createFrom().item(group);
    }
    return normalizer.normalize(jobs).map(normalizations -> {
      List<Member> normalized = new ArrayList<>(group.size());
      int next = 0;
      for (Member m : group) {
        List<Entry> entries = new ArrayList<>(m.size());
        for (Entry e : m.entries()) {
          entries.add(e.toSettle() ? e.normalized(normalizations.get(next++)) : e);
        }
        normalized.add(m.with(entries));
      }
      return normalized;
    });
  }

  private static List<Settlement> settlements(List<Member> group) {
    List<Settlement> settlements = new ArrayList<>();
    for (Member m : group) {
      for (Entry e : m.entries()) {
        if (e.toSettle()) {
          settlements.add(e.settlement());
        }
      }
    }
    return settlements;
  }

  private Uni<List<Member>> settleNormalized(List<Member> group) {
    List<Settlement> settlements = settlements(group);
    if (settlements.isEmpty()) {
      return Uni.createFrom().item(group);
    }
    return store.settle(settlements).map(settled -> withResults(group, settled));
  }

  private static int events(List<Member> group) {
    int events = 0;
    for (Member m : group) {
      events += m.size();
    }
    return events;
  }

  private static List<Member> withResults(List<Member> group, Map<Long, Settled> settled) {
    List<Member> done = new ArrayList<>(group.size());
    for (Member m : group) {
      List<Entry> entries = new ArrayList<>(m.size());
      for (Entry e : m.entries()) {
        entries.add(e.toSettle() ? e.settled(settled.get(e.rawId())) : e);
      }
      done.add(m.with(entries));
    }
    return done;
  }

  private static List<Member> flatten(List<List<Member>> lists) {
    List<Member> all = new ArrayList<>();
    lists.forEach(all::addAll);
    return all;
  }

  /** One request in a group: its entries as the last step left them, where to answer, and when it arrived. */
  private record Member(List<Entry> entries, Reply reply, long arrived) {

    int size() {
      return entries.size();
    }

    Member with(List<Entry> next) {
      return new Member(next, reply, arrived);
    }
  }

  /** Answers a request once, on its own Vert.x context (the group may have been written from another event loop). */
  private static final class Reply {
    private final UniEmitter<? super List<Entry>> emitter;
    private final Context context;
    private final AtomicBoolean answered = new AtomicBoolean();

    Reply(UniEmitter<? super List<Entry>> emitter, Context context) {
      this.emitter = emitter;
      this.context = context;
    }

    void complete(List<Entry> entries) {
      if (answered.compareAndSet(false, true)) {
        onContext(() -> emitter.complete(entries));
      }
    }

    void fail(Throwable failure) {
      if (answered.compareAndSet(false, true)) {
        onContext(() -> emitter.fail(failure));
      }
    }

    private void onContext(Runnable answer) {
      if (context == null || context == Vertx.currentContext()) {
        answer.run();
      } else {
        context.runOnContext(ignored -> answer.run());
      }
    }
  }
}
