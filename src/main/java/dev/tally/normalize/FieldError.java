package dev.tally.normalize;

/**
 * One reason an event was rejected. {@code field} is the canonical field (or the offending key) it concerns,
 * null when it concerns the whole element; {@code message} quotes the offending value so the client's
 * developer can fix it without asking.
 */
public record FieldError(String field, String code, String message) {

  public static final String MISSING_FIELD = "missing_field";
  public static final String AMBIGUOUS_FIELD = "ambiguous_field";
  public static final String DUPLICATE_KEY = "duplicate_key";
  public static final String NOT_AN_OBJECT = "not_an_object";
  public static final String INVALID_CLIENT_ID = "invalid_client_id";
  public static final String INVALID_METRIC = "invalid_metric";
  public static final String INVALID_AMOUNT = "invalid_amount";
  public static final String INVALID_TIMESTAMP = "invalid_timestamp";
  public static final String AMBIGUOUS_TIMESTAMP = "ambiguous_timestamp";
  public static final String TIMESTAMP_IN_FUTURE = "timestamp_in_future";
  public static final String INVALID_EVENT_ID = "invalid_event_id";
  /** The event names another client than the one the sender's API key is bound to. */
  public static final String CLIENT_MISMATCH = "client_mismatch";
}
