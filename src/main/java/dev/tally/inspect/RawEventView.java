package dev.tally.inspect;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/**
 * One raw record as stored. {@code payload} is the element as JSON when jsonb could hold it; otherwise
 * {@code rawText} is the received bytes read as UTF-8 (the database keeps the exact bytes). {@code envelope}: what an
 * analytics SDK sent around the event (its protocol, endpoint, sentAt, context; never its key); absent for
 * POST /events. {@code refusedAtIngest}: true for rejections no mapping can change, which replays leave alone.
 */
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
    Boolean refusedAtIngest) {}
