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
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The SQL behind aggregates: reading the materialized levels (with the state they were read at, in one snapshot), the
 * refresh and rebuild transactions and the consistency check. Refreshes and rebuilds run under a transaction-scoped
 * advisory lock, so at most one replica writes the aggregates at a time and the lock can never outlive its transaction.
 */
@ApplicationScoped
public class AggregateRepository {

  /** The advisory lock key that serializes refreshes across replicas ("tally" in ASCII). */
  static final long REFRESH_LOCK = 0x74616c6c79L;

  /** How a bucket's start is written: seconds always, the zone's offset ({@code Z} for UTC). */
  public static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");

  private static final String STATE = "SELECT generation, as_of FROM aggregate_state";

  /**
   * aggregate_state as a relation the planner knows holds one row. Joined as plain {@code aggregate_state}, a table
   * that is never analyzed (one row, updated in place) is estimated at ~1,500 rows: the join with a week of hours then
   * costs ~150,000, above PostgreSQL's default jit_above_cost, and every GET paid 5-25 ms of JIT compilation for a
   * query that runs in 1 ms.
   */
  public static final String STATE_ROW = "(SELECT generation, as_of FROM aggregate_state LIMIT 1)";

  private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock($1)";
  private static final String LOCK_TIMEOUT = "SELECT set_config('lock_timeout', $1, true)";
  private static final String LOCK = "SELECT pg_advisory_xact_lock($1)";

  // The whole refresh is one function (V8__incremental_aggregates.sql): it takes the invalidation rows its first
  // statement sees, re-materializes their buckets and the levels above, and advances asOf to this statement's start.
  private static final String REFRESH = "SELECT generation, as_of, bucket_rows, changes FROM aggregate_refresh($1)";

  private static final String REBUILD_CLIENT = "SELECT aggregate_rebuild_client($1) AS events";

  private static final String CHECK = "SELECT * FROM aggregate_check($1)";

  @Inject Pool pool;

  public Uni<AggregateState> state() {
    return pool.preparedQuery(STATE).execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> stateFrom(rows.iterator().next()));
  }

  /**
   * The rows of a query and the state they belong to, read in one statement (so in one snapshot). {@code preRolled}:
   * read a zone's days from the pre-rolled level ({@link ZoneDays}); if the zone turns out not to be complete in that
   * snapshot (dropped or refilled meanwhile), the days are read again summed from hours or buckets.
   */
  public Uni<Answer> find(AggregateQuery query, boolean preRolled) {
    SqlFilter filter = new SqlFilter();
    String sql = select(query, filter, preRolled);
    return pool.preparedQuery(sql).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .flatMap(rows -> preRolled && !Boolean.TRUE.equals(rows.iterator().next().getBoolean("zone_ready"))
            ? find(query, false)
            : Uni.createFrom().item(answerFrom(rows, query)));
  }

  /** The statement behind {@link #find}, its values bound in {@code filter}. */
  static String select(AggregateQuery query, SqlFilter filter, boolean preRolled) {
    // The zone's state first: the pre-rolled days are read only if the zone is complete in the same snapshot.
    String state = preRolled
        ? "(SELECT generation, as_of, (SELECT ready FROM aggregate_zones WHERE zone = " + filter.bind(query.zone().getId())
            + ") AS zone_ready FROM aggregate_state LIMIT 1)"
        : STATE_ROW;
    filter.and("client_id = %s", query.clientId())
        .and("client_id = ANY(%s)", query.scope() == null ? null : query.scope().toArray(new String[0]))
        .and("metric = %s", query.metric());
    // One row more than asked for tells whether the answer was cut short.
    String limit = filter.bind(query.limit() + 1);
    String rows = preRolled ? AggregateSql.zoneDays(query, filter, limit) : AggregateSql.rows(query, filter, limit);
    // An uncorrelated subquery joined plainly (not LATERAL): the same plan in PostgreSQL, and one Citus can run.
    return "SELECT s.*, r.* FROM " + state + " s LEFT JOIN (" + rows + ") r ON true ORDER BY r.client_id, r.metric, r.sort_key";
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
    return connection.preparedQuery(REFRESH).execute(Tuple.of(logSize)).map(rows -> {
      Row row = rows.iterator().next();
      long changes = row.getLong("changes");
      RefreshRun.Outcome outcome = changes == 0 ? RefreshRun.Outcome.UNCHANGED : RefreshRun.Outcome.REFRESHED;
      return new RefreshRun(outcome, stateFrom(row), elapsedMs(started), row.getLong("bucket_rows"), changes);
    });
  }

  /**
   * Recomputes one client's aggregates from its events, in one transaction under the refresh lock (waiting at most
   * {@code waitFor} for a refresh running elsewhere). Returns the client's events counted.
   */
  public Uni<Long> rebuildClient(String clientId, Duration waitFor) {
    return underRefreshLock(waitFor, connection -> connection.preparedQuery(REBUILD_CLIENT).execute(Tuple.of(clientId))
        .map(rows -> rows.iterator().next().getLong("events")));
  }

  /**
   * {@code work} in one transaction that holds the refresh lock, taken after waiting at most {@code waitFor} for a
   * refresh or rebuild running elsewhere (then {@link DatabaseUnavailableException}).
   */
  <T> Uni<T> underRefreshLock(Duration waitFor, Function<SqlConnection, Uni<T>> work) {
    return pool.withTransaction(connection -> lock(connection, waitFor).flatMap(locked -> work.apply(connection)))
        .onFailure(AggregateRepository::lockTimedOut).transform(DatabaseUnavailableException::new)
        .onFailure().transform(DatabaseFailures::classify);
  }

  /**
   * Compares a sample of about {@code sample} materialized buckets with a recompute from events, in one snapshot;
   * returns those that differ (already invalidated, so the next refresh repairs them).
   */
  public Uni<List<Inconsistency>> check(int sample) {
    return pool.preparedQuery(CHECK).execute(Tuple.of(sample))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          List<Inconsistency> found = new ArrayList<>();
          for (Row row : rows) {
            found.add(new Inconsistency(row.getString("client_id"), row.getString("metric"),
                row.getOffsetDateTime("bucket").toInstant(),
                figures(row, "materialized_"), figures(row, "recomputed_")));
          }
          return found;
        });
  }

  private static String figures(Row row, String prefix) {
    Long count = row.getLong(prefix + "count");
    if (count == null || count == 0) {
      return "none";
    }
    return "count " + count + ", sum " + row.getBigDecimal(prefix + "sum").toPlainString() + ", min "
        + row.getBigDecimal(prefix + "min").toPlainString() + ", max " + row.getBigDecimal(prefix + "max").toPlainString();
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
      found.add(rowFrom(row, query.zone()));
    }
    AggregatePage page = new AggregatePage(state.asOf(), query.granularity().parameterValue(), found, truncated);
    return new Answer(state, page);
  }

  private static AggregateRow rowFrom(Row row, ZoneId zone) {
    long count = row.getLong("event_count");
    BigDecimal sum = row.getBigDecimal("amount_sum");
    return new AggregateRow(
        row.getString("client_id"),
        row.getString("metric"),
        label(row.getLocalDateTime("label_local"), row.getInteger("label_offset"), zone),
        count,
        Decimals.plain(sum),
        Decimals.plain(row.getBigDecimal("amount_min")),
        Decimals.plain(row.getBigDecimal("amount_max")),
        Average.of(sum, count));
  }

  /** A bucket's start with its zone's offset: given for hours, that of the day's start for days; null for totals. */
  public static String label(LocalDateTime local, Integer offsetSeconds, ZoneId zone) {
    if (local == null) {
      return null;
    }
    OffsetDateTime start = offsetSeconds == null
        ? local.toLocalDate().atStartOfDay(zone).toOffsetDateTime()
        : OffsetDateTime.of(local, ZoneOffset.ofTotalSeconds(offsetSeconds));
    return format(start);
  }

  /** {@link #LABEL}'s text, written directly for years 0-9999 and offsets of whole minutes (every row of a GET has one). */
  static String format(OffsetDateTime start) {
    int offset = start.getOffset().getTotalSeconds();
    if (start.getYear() < 0 || start.getYear() > 9999 || offset % 60 != 0 || start.getNano() != 0) {
      return LABEL.format(start);
    }
    char[] text = new char[offset == 0 ? 20 : 25];
    digits(text, 0, start.getYear(), 4);
    text[4] = '-';
    digits(text, 5, start.getMonthValue(), 2);
    text[7] = '-';
    digits(text, 8, start.getDayOfMonth(), 2);
    text[10] = 'T';
    digits(text, 11, start.getHour(), 2);
    text[13] = ':';
    digits(text, 14, start.getMinute(), 2);
    text[16] = ':';
    digits(text, 17, start.getSecond(), 2);
    if (offset == 0) {
      text[19] = 'Z';
    } else {
      int minutes = Math.abs(offset) / 60;
      text[19] = offset < 0 ? '-' : '+';
      digits(text, 20, minutes / 60, 2);
      text[22] = ':';
      digits(text, 23, minutes % 60, 2);
    }
    return new String(text);
  }

  private static void digits(char[] text, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--, value /= 10) {
      text[i] = (char) ('0' + value % 10);
    }
  }

  /** A sampled bucket whose materialization differs from a recompute from events. */
  public record Inconsistency(String clientId, String metric, Instant bucket, String materialized, String recomputed) {

    String describe() {
      return clientId + " / " + metric + " / " + bucket + ": materialized " + materialized + ", recomputed " + recomputed;
    }
  }

  /** A page and the state (generation, asOf) it was read at. */
  public record Answer(AggregateState state, AggregatePage page) {}
}
