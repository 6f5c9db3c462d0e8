package dev.tally.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.FieldError;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * What happened to one event, in the shapes of the contract: accepted, duplicate, rejected, conflict or
 * unparseable. {@code index} is set only inside a batch.
 *
 * <p>It registers the normalize values it carries for reflection too (the native build would write them as
 * {@code {}}): normalize stays free of Quarkus, so the feature that serializes them names them.
 */
@RegisterForReflection(targets = {EventResult.class, CanonicalEvent.class, FieldError.class})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventResult(
    Integer index,
    String status,
    Long rawId,
    String fingerprint,
    CanonicalEvent event,
    Long originalRawId,
    List<FieldError> errors,
    String message) {

  public static final String ACCEPTED = "accepted";
  public static final String DUPLICATE = "duplicate";
  public static final String REJECTED = "rejected";
  public static final String CONFLICT = "conflict";
  public static final String UNPARSEABLE = "unparseable";

  static EventResult accepted(long rawId, String fingerprint, CanonicalEvent event) {
    return new EventResult(null, ACCEPTED, rawId, fingerprint, event, null, null, null);
  }

  static EventResult duplicate(long rawId, String fingerprint, long originalRawId) {
    return new EventResult(null, DUPLICATE, rawId, fingerprint, null, originalRawId, null, null);
  }

  static EventResult rejected(long rawId, List<FieldError> errors) {
    return new EventResult(null, REJECTED, rawId, null, null, null, errors, null);
  }

  static EventResult conflict(long rawId, String fingerprint, String message) {
    return new EventResult(null, CONFLICT, rawId, fingerprint, null, null, null, message);
  }

  static EventResult unparseable(long rawId, String message) {
    return new EventResult(null, UNPARSEABLE, rawId, null, null, null, null, message);
  }

  EventResult at(int position) {
    return new EventResult(position, status, rawId, fingerprint, event, originalRawId, errors, message);
  }

  /** The HTTP status this outcome has when it is the answer to a single-event request. */
  public int httpStatus() {
    return switch (status) {
      case ACCEPTED -> 201;
      case DUPLICATE -> 200;
      case REJECTED -> 422;
      case CONFLICT -> 409;
      case UNPARSEABLE -> 400;
      default -> throw new IllegalStateException("unknown status " + status);
    };
  }
}
