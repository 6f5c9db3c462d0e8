package dev.tally.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The raw rows one client received in one hour (day) of the query's zone, by their current status. {@code clientId}
 * is null for rows whose clientId could not be read (unparseable bodies; admins only).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record OutcomeBucket(String clientId, String bucket, long accepted, long duplicate, long rejected, long conflict,
    long unparseable, long pending) {}
