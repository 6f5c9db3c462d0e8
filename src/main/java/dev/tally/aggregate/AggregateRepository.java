package dev.tally.aggregate;

import dev.tally.platform.DatabaseFailures;
import dev.tally.platform.DatabaseUnavailableException;
import dev.tally.platform.SqlFilter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL behind aggregates: reading the hourly view (with the state it was read at, in one snapshot) and the
 * refresh transaction. A refresh runs under a transaction-scoped advisory lock, so at most one replica
 * refreshes at a time and the lock can never outlive its transaction.
 */
@ApplicationScoped
public class AggregateRepository {

  /** The advisory lock key that serializes refreshes across replicas ("tally" in ASCII). */
  static final long REFRESH_LOCK = 0x74616c6c79L;

  private static final String STATE = "SELECT generation, as_of FROM aggregate_state";

  private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock($1)";
  private static final String LOCK_TIMEOUT = "SELECT set_config('lock_timeout', $1, true)";
  private static final String LOCK = "SELECT pg_advisory_xact_lock($1)";

  // statement_timestamp() is taken before this statement's snapshot and before the REFRESH's: every event
  // committed before it is visible to both. A marker committed after the DELETE's snapshot survives, so
  // the next check refreshes again (at worst one refresh too many, never one too few).
  private static final String TAKE_CHANGES = """
      WITH taken AS (DELETE FROM aggregate_changes RETURNING 1)
      SELECT statement_timestamp() AS checked_at, count(*) AS changes FROM taken""";

  private static final String MARK_UNCHANGED = """
      UPDATE aggregate_state SET as_of = greatest(as_of, $1) RETURNING generation, as_of""";

  private static final String REFRESH = "REFRESH MATERIALIZED VIEW CONCURRENTLY hourly_aggregates";

  private static final String RECORD_REFRESH = """
      WITH state AS (
        UPDATE aggregate_state SET generation = generation + 1, as_of = greatest(as_of, $1) RETURNING generation, as_of
      )
      INSERT INTO aggregate_refreshes (generation, as_of, duration_ms, view_rows, changes)
      SELECT generation, as_of, $2, (SELECT count(*) FROM hourly_aggregates), $3 FROM state
      RETURNING generation, as_of, view_rows""";

  private static final String PRUNE_LOG = "DELETE FROM aggregate_refreshes WHERE generation <= $1::bigint - $2::int";

  private static final String ROW_COLUMNS = "client_id, metric, bucket, event_count, amount_sum, amount_min, amount_max";

  // Day and total rows are summed from the hourly rows.
  private static final String SUMMED = "sum(event_count)::bigint AS event_count, sum(amount_sum) AS amount_sum, "
      + "min(amount_min) AS amount_min, max(amount_max) AS amount_max";

  @Inject Pool pool;

  public Uni<AggregateState> state() {
    return pool.preparedQuery(STATE).execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> stateFrom(rows.iterator().next()));
  }

  /** The rows of a query and the state they belong to, read in one statement (so in one snapshot). */
  public Uni<Answer> find(AggregateQuery query) {
    SqlFilter filter = new SqlFilter()
        .and("client_id = %s", query.clientId())
        .and("client_id = ANY(%s)", query.scope() == null ? null : query.scope().toArray(new String[0]))
        .and("metric = %s", query.metric())
        .and("bucket >= %s", query.from() == null ? null : OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC))
        .and("bucket < %s", query.to() == null ? null : OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
    // One row more than asked for tells whether the answer was cut short.
    String limit = filter.bind(query.limit() + 1);
    String sql = "SELECT s.generation, s.as_of, r.* FROM aggregate_state s LEFT JOIN LATERAL ("
        + rowsSql(query.granularity(), filter.where(), limit)
        + ") r ON true ORDER BY r.client_id, r.metric, r.bucket";
    return pool.preparedQuery(sql).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> answerFrom(rows, query));
  }

  private static String rowsSql(Granularity granularity, String where, String limit) {
    return switch (granularity) {
      case HOUR -> "SELECT " + ROW_COLUMNS + " FROM hourly_aggregates" + where
          + " ORDER BY client_id, metric, bucket LIMIT " + limit;
      case DAY -> "SELECT client_id, metric, date_trunc('day', bucket, 'UTC') AS bucket, " + SUMMED + " FROM hourly_aggregates"
          + where + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT " + limit;
      case TOTAL -> "SELECT client_id, metric, NULL::timestamptz AS bucket, " + SUMMED + " FROM hourly_aggregates"
          + where + " GROUP BY 1, 2 ORDER BY 1, 2 LIMIT " + limit;
    };
  }

  /**
   * One refresh attempt in one transaction. {@code waitFor} null: skip when another refresh holds the lock;
   * otherwise wait for it at most that long (then fail with {@link DatabaseUnavailableException}).
   */
  public Uni<RefreshRun> refresh(Duration waitFor, int logSize) {
    return pool.withTransaction(connection -> lock(connection, waitFor)
            .flatMap(locked -> locked
                ? refreshLocked(connection, logSize)
                : connection.preparedQuery(STATE).execute()
                    .map(rows -> new RefreshRun(RefreshRun.Outcome.LOCKED, stateFrom(rows.iterator().next()), 0, -1, 0))))
        .onFailure(AggregateRepository::lockTimedOut).transform(DatabaseUnavailableException::new)
        .onFailure().transform(DatabaseFailures::classify);
  }

  private static Uni<Boolean> lock(SqlConnection connection, Duration waitFor) {
    if (waitFor == null) {
      return connection.preparedQuery(TRY_LOCK).execute(Tuple.of(REFRESH_LOCK)).map(rows -> rows.iterator().next().getBoolean(0));
    }
    return connection.preparedQuery(LOCK_TIMEOUT).execute(Tuple.of(String.valueOf(Math.max(1, waitFor.toMillis()))))
        .flatMap(ignored -> connection.preparedQuery(LOCK).execute(Tuple.of(REFRESH_LOCK)))
        .map(ignored -> true);
  }

  private static Uni<RefreshRun> refreshLocked(SqlConnection connection, int logSize) {
    long started = System.nanoTime();
    return connection.preparedQuery(TAKE_CHANGES).execute().flatMap(rows -> {
      Row taken = rows.iterator().next();
      OffsetDateTime checkedAt = taken.getOffsetDateTime("checked_at");
      long changes = taken.getLong("changes");
      if (changes == 0) {
        return connection.preparedQuery(MARK_UNCHANGED).execute(Tuple.of(checkedAt))
            .map(state -> new RefreshRun(RefreshRun.Outcome.UNCHANGED, stateFrom(state.iterator().next()),
                elapsedMs(started), -1, 0));
      }
      return connection.query(REFRESH).execute()
          .flatMap(ignored -> connection.preparedQuery(RECORD_REFRESH).execute(Tuple.of(checkedAt, elapsedMs(started), changes)))
          .flatMap(recorded -> {
            Row row = recorded.iterator().next();
            AggregateState state = stateFrom(row);
            return connection.preparedQuery(PRUNE_LOG).execute(Tuple.of(state.generation(), logSize))
                .map(ignored -> new RefreshRun(RefreshRun.Outcome.REFRESHED, state, elapsedMs(started),
                    row.getLong("view_rows"), changes));
          });
    });
  }

  /** 55P03 lock_not_available: the wait for another refresh outlasted tally.aggregates.refresh-wait-timeout. */
  private static boolean lockTimedOut(Throwable failure) {
    return failure instanceof PgException pg && "55P03".equals(pg.getSqlState());
  }

  private static long elapsedMs(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  private static AggregateState stateFrom(Row row) {
    return new AggregateState(row.getLong("generation"), row.getOffsetDateTime("as_of").toInstant());
  }

  private static Answer answerFrom(RowSet<Row> rows, AggregateQuery query) {
    AggregateState state = null;
    List<AggregateRow> found = new ArrayList<>();
    boolean truncated = false;
    for (Row row : rows) {
      state = stateFrom(row);
      if (row.getString("client_id") == null) {
        continue;
      }
      if (found.size() == query.limit()) {
        truncated = true;
        break;
      }
      found.add(rowFrom(row));
    }
    AggregatePage page = new AggregatePage(state.asOf(), query.granularity().parameterValue(), found, truncated);
    return new Answer(state, page);
  }

  private static AggregateRow rowFrom(Row row) {
    long count = row.getLong("event_count");
    BigDecimal sum = row.getBigDecimal("amount_sum");
    OffsetDateTime bucket = row.getOffsetDateTime("bucket");
    return new AggregateRow(
        row.getString("client_id"),
        row.getString("metric"),
        bucket == null ? null : bucket.toInstant(),
        count,
        plain(sum),
        plain(row.getBigDecimal("amount_min")),
        plain(row.getBigDecimal("amount_max")),
        // Exact whenever the quotient has at most 34 significant digits (e.g. 0.15); otherwise rounded there.
        plain(sum.divide(BigDecimal.valueOf(count), MathContext.DECIMAL128)));
  }

  private static BigDecimal plain(BigDecimal value) {
    return value.stripTrailingZeros();
  }

  /** A page and the state (generation, asOf) it was read at. */
  public record Answer(AggregateState state, AggregatePage page) {}
}
