package dev.tally.platform;

/** PostgreSQL could not be reached or could not serve in time; the request may be retried later. */
public class DatabaseUnavailableException extends RuntimeException {

  public DatabaseUnavailableException(Throwable cause) {
    super("The database is unavailable: " + cause.getMessage(), cause);
  }

  public DatabaseUnavailableException(String message) {
    super(message);
  }
}
