package dev.tally.chaos;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every distinct event the virtual clients sent, with the canonical content Tally must store for it, and whether
 * a 2xx acknowledged it (accepted or duplicate, for a single event or as a batch element). Events are matched to
 * rows of {@code events} by (clientId, eventId) when they have one, else by their canonical content, which the
 * generator keeps unique per event.
 */
final class Ledger {

  /** One distinct event as the harness meant it. */
  static final class Expected {
    final String clientId;
    final String metric;
    final BigDecimal amount;
    final Instant timestamp;
    final String eventId;
    volatile boolean acknowledged;

    Expected(String clientId, String metric, BigDecimal amount, Instant timestamp, String eventId) {
      this.clientId = clientId;
      this.metric = metric;
      this.amount = amount.stripTrailingZeros();
      this.timestamp = timestamp;
      this.eventId = eventId;
    }

    String key() {
      return eventId != null ? idKey(clientId, eventId) : contentKey(clientId, metric, amount, timestamp);
    }

    String describe() {
      return clientId + " " + metric + " " + amount.toPlainString() + " " + timestamp + (eventId == null ? "" : " eventId " + eventId);
    }

    boolean sameContent(String metric, BigDecimal amount, Instant timestamp) {
      return this.metric.equals(metric) && this.amount.compareTo(amount) == 0 && this.timestamp.equals(timestamp);
    }
  }

  static String idKey(String clientId, String eventId) {
    return clientId + "\u001Fid\u001F" + eventId;
  }

  static String contentKey(String clientId, String metric, BigDecimal amount, Instant timestamp) {
    return clientId + "\u001F" + metric + "\u001F" + amount.stripTrailingZeros().toPlainString() + "\u001F" + timestamp;
  }

  private final Map<String, Expected> sent = new ConcurrentHashMap<>();
  final AtomicLong acknowledgements = new AtomicLong();

  void sent(Expected event) {
    if (sent.putIfAbsent(event.key(), event) != null) {
      throw new IllegalStateException("the generator produced the same event twice: " + event.key());
    }
  }

  void acknowledged(Expected event) {
    event.acknowledged = true;
    acknowledgements.incrementAndGet();
  }

  Expected find(String key) {
    return sent.get(key);
  }

  List<Expected> all() {
    return new ArrayList<>(sent.values());
  }

  /** Test of the verdict itself: pretend a 2xx came for an event that was never sent. */
  void fabricateAcknowledgement(Expected event) {
    sent(event);
    acknowledged(event);
  }
}
