package dev.tally.chaos;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** What the virtual clients saw, over all of them. */
final class Stats {
  final AtomicLong requests = new AtomicLong();
  final AtomicLong answered2xx = new AtomicLong();
  final AtomicLong answered4xx = new AtomicLong();
  final AtomicLong answered5xx = new AtomicLong();
  final AtomicLong connectionErrors = new AtomicLong();
  final AtomicLong timeouts = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  final AtomicLong givenUp = new AtomicLong();
  final AtomicLong singles = new AtomicLong();
  final AtomicLong batches = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  final AtomicLong resends = new AtomicLong();
  /** A re-send of an event already acknowledged that was answered "accepted": the first one was lost. */
  final AtomicLong resendAccepted = new AtomicLong();
  /** Answers the contract does not allow for what was sent (e.g. a valid event rejected). */
  final AtomicLong unexpected = new AtomicLong();
  final List<String> unexpectedExamples = new CopyOnWriteArrayList<>();

  void unexpected(String what) {
    unexpected.incrementAndGet();
    if (unexpectedExamples.size() < 10) {
      unexpectedExamples.add(what.length() > 400 ? what.substring(0, 400) + "…" : what);
    }
  }
}
