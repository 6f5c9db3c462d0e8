package dev.tally.platform;

/** A body or batch over its configured limit; becomes a 413 problem and nothing is stored. */
public class PayloadTooLargeException extends RuntimeException {

  public PayloadTooLargeException(String message) {
    super(message);
  }
}
