package dev.tally.platform;

import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.Set;

/**
 * Tells transient database failures (worth a 503 and a retry) from everything else (a bug or bad data:
 * a 500). Only what is known to be transient is treated as such.
 */
public final class DatabaseFailures {

  /** SQLSTATEs that mean "try again later": the server is starting, stopping, overloaded or the transaction lost a race. */
  private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "53300", "40001", "40P01");

  /**
   * How the SQL client's pool (vertx-sql-client 4.5, SqlConnectionPool) fails when no connection became free within
   * its connection timeout ({@code tally.database.acquisition-timeout}), with no exception type of its own to test
   * for: a statement sent to the pool fails with a bare VertxException "Timeout waiting for connection", a connection
   * asked for (a transaction) with a bare NoStackTraceThrowable "Timeout". A full wait queue is a
   * ConnectionPoolTooBusyException instead.
   */
  private static final String POOL_QUERY_TIMEOUT = "Timeout waiting for connection";

  private static final String POOL_CONNECTION_TIMEOUT = "Timeout";

  private DatabaseFailures() {}

  public static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DatabaseUnavailableException
          || t instanceof ClosedConnectionException
          || t instanceof ConnectException
          // A connection the server reset (a terminated backend, a crashed PostgreSQL) surfaces as a bare
          // SocketException from Netty when it is cut off in the middle of a query.
          || t instanceof SocketException
          || t instanceof ConnectionPoolTooBusyException
          || t instanceof NoStackTraceTimeoutException
          || t instanceof io.netty.channel.ConnectTimeoutException
          || isPoolAcquisitionTimeout(t)) {
        return true;
      }
      if (t instanceof PgException pg) {
        String state = pg.getSqlState();
        return state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state));
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static boolean isPoolAcquisitionTimeout(Throwable t) {
    return t.getClass() == VertxException.class && POOL_QUERY_TIMEOUT.equals(t.getMessage())
        || t.getClass() == NoStackTraceThrowable.class && POOL_CONNECTION_TIMEOUT.equals(t.getMessage());
  }

  /** Turns a transient failure into {@link DatabaseUnavailableException}; leaves any other failure as it is. */
  public static Throwable classify(Throwable failure) {
    return isTransient(failure) && !(failure instanceof DatabaseUnavailableException)
        ? new DatabaseUnavailableException(failure)
        : failure;
  }
}
