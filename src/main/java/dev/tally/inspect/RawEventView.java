package dev.tally.inspect;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;

/**
 * One raw record as stored. {@code payload} is the element as JSON when jsonb could hold it; otherwise
 * {@code rawText} is the received bytes read as UTF-8 (the database keeps the exact bytes). {@code envelope}: what an
 * analytics SDK sent around the event (its protocol, endpoint, sentAt, context; never its key); absent for
 * POST /events. {@code refusedAtIngest}: true for rejections no mapping can change, which replays leave alone.
 * {@code settleError}: why the last attempt of the recovery job or a replay to settle the row failed (its normalization
 * threw, or the database refused it); the row kept its status (a pending row stays pending and is tried again later).
 * {@code settleAttempts}: how many such attempts failed, {@code settleFailedAt}: when the last one did. All three are
 * absent for a row that never failed; the error and its time are cleared when the row settles.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RawEventView(
    long id,
    Instant receivedAt,
    String clientId,
    String contentType,
    String status,
    @JsonRawValue String payload,
    String rawText,
    @JsonRawValue String reasons,
    String fingerprint,
    Integer mappingVersion,
    Instant processedAt,
    @JsonRawValue String envelope,
    Boolean refusedAtIngest,
    String settleError,
    Integer settleAttempts,
    Instant settleFailedAt) {}
