package dev.tally.aggregate;

import dev.tally.support.TestDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Holds the refreshers' advisory lock from a separate session, as a refresh running on another replica
 * would: while it is held no refresh can run, so the view and its generation stay put.
 */
final class HeldRefreshLock implements AutoCloseable {

  private final Connection connection;

  HeldRefreshLock() throws SQLException {
    connection = TestDb.connect();
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
      lock.setLong(1, AggregateRepository.REFRESH_LOCK);
      lock.execute();
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
