package dev.tally.ingest;

import dev.tally.normalize.Quote;
import dev.tally.platform.DatabaseFailures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Reprocesses a chunk of claimed raw rows so that one row's failure is that row's alone. The chunk is tried whole
 * inside a savepoint; when it fails for a reason of its own (an exception while normalizing, a statement the
 * database refuses), the savepoint is rolled back and the chunk is split in halves, each tried the same way, down
 * to the single rows that still fail. Those are marked on their raw row (error, attempts, when), counted in
 * {@code tally.settle.failures} and logged, and the rest of the chunk settles in the caller's transaction.
 * Splitting in halves finds one bad row among n in about 2·log2(n) attempts instead of n. A transient failure
 * (the database away) is not isolated: it fails the whole chunk, which is taken again later.
 *
 * <p>Savepoints need a transaction begun and ended with plain BEGIN/COMMIT ({@link #withTransaction}): the SQL
 * client's own transactions remember any failed statement (PostgreSQL reports the transaction as failed until the
 * rollback to the savepoint) and then roll back at the end instead of committing.
 */
@ApplicationScoped
public class IsolatedReprocessor {

  private static final Logger LOG = Logger.getLogger(IsolatedReprocessor.class);

  /** Longest error text kept on a raw row. */
  static final int MAX_ERROR_LENGTH = 1000;

  private static final String MARK = """
      UPDATE raw_events r
         SET settle_error = f.error, settle_attempts = r.settle_attempts + 1, settle_failed_at = now()
        FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
       WHERE r.id = f.id
      RETURNING r.id, r.settle_attempts""";

  @Inject Pool pool;
  @Inject Reprocessor reprocessor;
  @Inject MeterRegistry metrics;

  private final Map<String, Counter> failures = new ConcurrentHashMap<>();

  /**
   * Runs {@code work} in a transaction on one pooled connection, committed when it succeeds and rolled back when it
   * fails. Unlike {@code Pool.withTransaction}, a statement that failed and was rolled back to a savepoint does not
   * doom the transaction.
   */
  public <T> Uni<T> withTransaction(Function<SqlConnection, Uni<T>> work) {
    return pool.withConnection(connection -> connection.query("BEGIN").execute()
        .flatMap(begun -> Uni.createFrom().deferred(() -> work.apply(connection)))
        .call(done -> connection.query("COMMIT").execute())
        .onFailure().call(failure -> connection.query("ROLLBACK").execute()
            // A connection that cannot even roll back is broken: the pool closes it, and the server ends its transaction.
            .onFailure().recoverWithNull()));
  }

  /**
   * Reprocesses claimed rows within a transaction of {@link #withTransaction}.
   *
   * @param job who is reprocessing ({@code recovery}, {@code replay}): the metric's tag and the log's words
   */
  public Uni<ReprocessedChunk> reprocess(SqlConnection connection, List<StoredRaw> rows, String job) {
    if (rows.isEmpty()) {
      return Uni.createFrom().item(ReprocessedChunk.EMPTY);
    }
    return isolate(connection, rows).call(chunk -> mark(connection, chunk.failed(), job));
  }

  private Uni<ReprocessedChunk> isolate(SqlConnection connection, List<StoredRaw> rows) {
    return attempt(connection, rows)
        .map(done -> new ReprocessedChunk(done, List.of()))
        .onFailure(IsolatedReprocessor::rowSpecific).recoverWithUni(failure -> {
          if (rows.size() == 1) {
            return Uni.createFrom().item(new ReprocessedChunk(List.of(), List.of(new Unsettled(rows.get(0), describe(failure)))));
          }
          int half = rows.size() / 2;
          return isolate(connection, rows.subList(0, half))
              .flatMap(first -> isolate(connection, rows.subList(half, rows.size())).map(first::plus));
        });
  }

  /**
   * Reprocesses rows inside a savepoint. When they fail for a reason of their own, rolling back to it undoes exactly
   * their writes and leaves the transaction usable (PostgreSQL refuses every statement after an error otherwise).
   */
  private Uni<List<Reprocessed>> attempt(SqlConnection connection, List<StoredRaw> rows) {
    return connection.query("SAVEPOINT reprocess").execute()
        .flatMap(saved -> Uni.createFrom().deferred(() -> reprocessor.reprocess(connection, rows)))
        .call(done -> connection.query("RELEASE SAVEPOINT reprocess").execute())
        .onFailure(IsolatedReprocessor::rowSpecific)
        .call(failure -> connection.query("ROLLBACK TO SAVEPOINT reprocess; RELEASE SAVEPOINT reprocess").execute());
  }

  private static boolean rowSpecific(Throwable failure) {
    return !DatabaseFailures.isTransient(failure);
  }

  private Uni<Void> mark(SqlConnection connection, List<Unsettled> failed, String job) {
    if (failed.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    Long[] ids = new Long[failed.size()];
    String[] errors = new String[failed.size()];
    for (int i = 0; i < failed.size(); i++) {
      ids[i] = failed.get(i).row().id();
      errors[i] = failed.get(i).error();
    }
    return connection.preparedQuery(MARK).execute(Tuple.of(ids, errors)).invoke(rows -> {
      Counter counter = failures.computeIfAbsent(job, tag -> Counter.builder("tally.settle.failures")
          .description("Raw rows a recovery run or replay could not settle (each failed attempt); the rows are marked and the rest go on")
          .tag("job", tag)
          .register(metrics));
      counter.increment(failed.size());
      Map<Long, String> errorsById = new HashMap<>();
      for (Unsettled u : failed) {
        errorsById.put(u.row().id(), u.error());
      }
      for (Row row : rows) {
        long id = row.getLong(0);
        int attempts = row.getInteger(1);
        // Once per row at WARN: a row that keeps failing is retried and would otherwise flood the log.
        if (attempts == 1) {
          LOG.warnf("The %s could not settle raw event %d, which is marked and left as it was; the others go on: %s", job, id,
              errorsById.get(id));
        } else {
          LOG.debugf("The %s could not settle raw event %d (attempt %d): %s", job, id, attempts, errorsById.get(id));
        }
      }
    }).replaceWithVoid();
  }

  /** The failure as an operator reads it on the raw row: PostgreSQL's message with its SQLSTATE, or the exception. */
  static String describe(Throwable failure) {
    String text = failure instanceof PgException pg
        ? pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")"
        : failure.toString();
    // PostgreSQL text cannot hold NUL, and an exception's message may quote the event that caused it.
    return Quote.cut(text.replace('\u0000', '\uFFFD'), MAX_ERROR_LENGTH);
  }
}
