package dev.tally.platform;

import java.util.List;

/** A request body with one or more problems, all of them reported at once in a 400 problem document. */
public class InvalidRequestException extends RuntimeException {

  private final transient List<?> errors;

  public InvalidRequestException(String message, List<?> errors) {
    super(message);
    this.errors = List.copyOf(errors);
  }

  public List<?> errors() {
    return errors;
  }
}
