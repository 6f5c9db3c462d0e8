package dev.tally.platform;

/** A request whose parameters cannot be served; becomes a 400 problem naming the parameter. */
public class BadRequestException extends RuntimeException {

  private final String parameter;

  public BadRequestException(String parameter, String message) {
    super(message);
    this.parameter = parameter;
  }

  public String parameter() {
    return parameter;
  }
}
