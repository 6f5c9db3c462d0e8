package dev.tally.sdk;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tally.ingest.BatchResult;
import dev.tally.ingest.EventResult;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * The 200 answer of the SDK routes: what each SDK checks for success ({@code "success": true} for Segment and
 * RudderStack, {@code "status": 1} for PostHog; Snowplow's tracker reads the status code alone; they stop retrying on any 2xx), followed by Tally's own batch
 * result, one entry per message.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SdkReply(Boolean success, Integer status, int accepted, int duplicates, int rejected, int conflicts,
    List<EventResult> results) {

  static SdkReply of(Protocol protocol, BatchResult result) {
    boolean segment = protocol == Protocol.SEGMENT;
    boolean posthog = protocol == Protocol.POSTHOG;
    return new SdkReply(segment ? Boolean.TRUE : null, posthog ? 1 : null, result.accepted(), result.duplicates(),
        result.rejected(), result.conflicts(), result.results());
  }
}
