package dev.tally.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Each injected fault, when the system was restored, and when the first 2xx arrived for a request sent after that. */
final class FaultTimeline {

  static final class Fault {
    final String kind;
    final long injectedNanos;
    volatile long restoredNanos;
    volatile long readyNanos;
    volatile long firstOkNanos;
    volatile String note = "";
    /** Requests already sent when the fault struck that then failed without an answer (a drain should make this 0). */
    final java.util.concurrent.atomic.AtomicInteger inFlightCutOff = new java.util.concurrent.atomic.AtomicInteger();

    Fault(String kind, long injectedNanos) {
      this.kind = kind;
      this.injectedNanos = injectedNanos;
    }
  }

  private final long startNanos;
  private final List<Fault> faults = new CopyOnWriteArrayList<>();

  FaultTimeline(long startNanos) {
    this.startNanos = startNanos;
  }

  Fault inject(String kind) {
    Fault fault = new Fault(kind, System.nanoTime());
    faults.add(fault);
    return fault;
  }

  /** A 2xx for a request sent at {@code sentNanos} arrived at {@code nowNanos}. */
  void success(long sentNanos, long nowNanos) {
    for (Fault f : faults) {
      if (f.firstOkNanos == 0 && f.restoredNanos != 0 && sentNanos >= f.restoredNanos) {
        f.firstOkNanos = nowNanos;
      }
    }
  }

  /** A request sent at {@code sentNanos} failed without an answer (connection error or timeout) at {@code nowNanos}. */
  void noAnswer(long sentNanos, long nowNanos) {
    for (Fault f : faults) {
      if (sentNanos < f.injectedNanos && nowNanos >= f.injectedNanos) {
        f.inFlightCutOff.incrementAndGet();
      }
    }
  }

  List<Fault> faults() {
    return new ArrayList<>(faults);
  }

  long count(String kind) {
    return faults.stream().filter(f -> f.kind.equals(kind)).count();
  }

  String seconds(long nanos) {
    return nanos == 0 ? "-" : String.format("%.1f", (nanos - startNanos) / 1e9);
  }

  static String between(long from, long to) {
    return from == 0 || to == 0 ? "never" : String.format("%.2f s", (to - from) / 1e9);
  }

  String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("| %-3s | %-23s | %6s | %8s | %-11s | %-23s | %-21s | %-16s | %s |%n", "#", "fault", "at (s)",
        "restored", "ready after", "first 2xx after restore", "first 2xx after fault", "in flight cut off", "notes"));
    out.append(String.format("|%s|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(5), "-".repeat(25), "-".repeat(8), "-".repeat(10),
        "-".repeat(13), "-".repeat(25), "-".repeat(23), "-".repeat(18), "-".repeat(7)));
    int i = 1;
    for (Fault f : faults) {
      out.append(String.format("| %-3d | %-23s | %6s | %8s | %-11s | %-23s | %-21s | %-16d | %s |%n", i++, f.kind,
          seconds(f.injectedNanos), seconds(f.restoredNanos), between(f.restoredNanos, f.readyNanos),
          between(f.restoredNanos, f.firstOkNanos), between(f.injectedNanos, f.firstOkNanos), f.inFlightCutOff.get(), f.note));
    }
    return out.toString();
  }
}
