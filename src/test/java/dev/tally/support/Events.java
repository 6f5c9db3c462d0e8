package dev.tally.support;

import java.util.UUID;

/** Builds request bodies for tests; every test uses its own clientId so tests never see each other's data. */
public final class Events {

  private Events() {}

  public static String newClientId(String purpose) {
    return purpose + "-" + UUID.randomUUID().toString().substring(0, 12);
  }

  public static String event(String clientId, String metric, String amount, String timestamp) {
    return "{\"clientId\":\"" + clientId + "\",\"metric\":\"" + metric + "\",\"amount\":" + amount
        + ",\"timestamp\":\"" + timestamp + "\"}";
  }

  public static String eventWithId(String clientId, String eventId, String amount) {
    return "{\"client_id\":\"" + clientId + "\",\"metric\":\"value\",\"amount\":" + amount
        + ",\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\"" + eventId + "\"}";
  }
}
