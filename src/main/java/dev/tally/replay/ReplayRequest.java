package dev.tally.replay;

import java.util.List;

/**
 * What to replay: a client's stored raw events with the given statuses (default {@code ["rejected"]}), received
 * in [from, to) when given (ISO-8601 instants).
 */
public record ReplayRequest(String clientId, List<String> statuses, String from, String to) {}
