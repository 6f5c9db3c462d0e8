package dev.tally.chaos;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;

/**
 * Distinct events for one client, written the many ways clients write them: canonical or renamed keys
 * (client_id, ClientID, ...), amounts as numbers, strings with trailing zeros or exponents, timestamps as
 * ISO-8601 with Z or an offset, epoch seconds or milliseconds, with or without an eventId.
 */
final class EventGenerator {

  private static final Instant BASE = Instant.parse("2024-01-01T00:00:00Z");
  private static final List<String> METRICS = List.of("orders.revenue", "page.views", "latency/ms");
  private static final List<String> CLIENT_KEYS = List.of("clientId", "client_id", "ClientID", "client-id");
  private static final List<String> METRIC_KEYS = List.of("metric", "Metric", "METRIC");
  private static final List<String> AMOUNT_KEYS = List.of("amount", "Amount", "AMOUNT");
  private static final List<String> TIMESTAMP_KEYS = List.of("timestamp", "time_stamp", "TimeStamp");
  private static final List<String> EVENT_ID_KEYS = List.of("eventId", "event_id", "EventID");

  private final String clientId;
  private final Random random;
  private long seq;

  EventGenerator(String clientId, Random random) {
    this.clientId = clientId;
    this.random = random;
  }

  Ledger.Expected next() {
    long n = seq++;
    String metric = METRICS.get((int) (n % METRICS.size()));
    BigDecimal amount = BigDecimal.valueOf(random.nextInt(2_000_000) - 100_000, random.nextInt(4));
    // Unique per event within the client, spread over many hourly buckets.
    Instant ts = BASE.plusSeconds(n * 61).plusMillis(n % 2 == 1 ? (n * 7) % 1000 : 0);
    String eventId = random.nextBoolean() ? "e-" + n : null;
    return new Ledger.Expected(clientId, metric, amount, ts, eventId);
  }

  /** One event as a JSON object, in a randomly chosen but equivalent spelling. */
  String render(Ledger.Expected e) {
    StringBuilder json = new StringBuilder("{");
    json.append(quote(pick(CLIENT_KEYS))).append(':').append(quote(e.clientId));
    json.append(',').append(quote(pick(METRIC_KEYS))).append(':').append(quote(e.metric));
    json.append(',').append(quote(pick(AMOUNT_KEYS))).append(':').append(amount(e.amount));
    json.append(',').append(quote(pick(TIMESTAMP_KEYS))).append(':').append(timestamp(e.timestamp));
    if (e.eventId != null) {
      json.append(',').append(quote(pick(EVENT_ID_KEYS))).append(':').append(quote(e.eventId));
    }
    if (random.nextInt(4) == 0) {
      json.append(",\"note\":\"extra fields are kept raw and ignored\"");
    }
    return json.append('}').toString();
  }

  /** Bodies Tally must reject (and keep raw): never acknowledged as events. */
  String malformed() {
    return switch (random.nextInt(4)) {
      case 0 -> "{\"clientId\":\"" + clientId + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":"; // cut off
      case 1 -> "{\"clientId\":\"" + clientId + "\",\"metric\":\"m\",\"timestamp\":\"2024-01-01T00:00:00Z\"}"; // no amount
      case 2 -> "{\"clientId\":\"" + clientId + "\",\"metric\":\"m\",\"amount\":\"1,200\",\"timestamp\":\"2024-01-01T00:00:00Z\"}";
      default -> "{\"clientId\":\"" + clientId + "\",\"metric\":\"m\",\"amount\":1,\"timestamp\":\"2024-01-01 10:00:00\"}";
    };
  }

  private String amount(BigDecimal canonical) {
    // The canonical form has trailing zeros stripped (1.2E+3 for 1200); clients write plain decimals.
    BigDecimal amount = canonical.scale() < 0 ? canonical.setScale(0) : canonical;
    return switch (random.nextInt(4)) {
      case 0 -> quote(amount.toPlainString() + (amount.scale() > 0 ? "00" : ".00")); // "12.5000"
      case 1 -> quote(amount.unscaledValue() + "e-" + amount.scale());
      default -> amount.toPlainString();
    };
  }

  private String timestamp(Instant ts) {
    int choice = random.nextInt(4);
    if (choice == 0) {
      return quote(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(ts.atOffset(ZoneOffset.ofHours(1))));
    }
    if (choice == 1) {
      return String.valueOf(ts.toEpochMilli());
    }
    if (choice == 2 && ts.getNano() == 0) {
      return random.nextBoolean() ? String.valueOf(ts.getEpochSecond()) : quote(String.valueOf(ts.getEpochSecond()));
    }
    return quote(DateTimeFormatter.ISO_INSTANT.format(ts));
  }

  private String pick(List<String> options) {
    return options.get(random.nextInt(options.size()));
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
