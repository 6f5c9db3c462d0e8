package dev.tally.platform;

/** The request conflicts with the current state (e.g. a replay already running); becomes a 409 problem. */
public class ConflictException extends RuntimeException {

  public ConflictException(String message) {
    super(message);
  }
}
