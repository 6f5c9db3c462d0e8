package dev.tally.platform;

/** A resource that does not exist; becomes a 404 problem. */
public class NotFoundException extends RuntimeException {

  public NotFoundException(String message) {
    super(message);
  }
}
