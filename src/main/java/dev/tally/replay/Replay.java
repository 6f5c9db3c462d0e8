package dev.tally.replay;

import java.time.Instant;
import java.util.List;

/** What a runner needs to continue a replay: its scope and where it got to. */
record Replay(long id, String clientId, List<String> statuses, Instant from, Instant to, long maxRawId, long cursorId) {}
