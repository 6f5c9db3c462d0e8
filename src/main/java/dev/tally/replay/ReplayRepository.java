package dev.tally.replay;

import dev.tally.ingest.StoredRawRows;
import dev.tally.platform.ConflictException;
import dev.tally.platform.DatabaseFailures;
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
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Replays and their progress in PostgreSQL, and the raw rows in a replay's scope. */
@ApplicationScoped
public class ReplayRepository {

  private static final String UNIQUE_VIOLATION = "23505";

  // Rows refused at ingest (client_mismatch, SDK calls that are not events) are out of scope: no mapping can
  // change why they were refused, and renormalizing one could accept an event its key was not allowed to send.
  private static final String SCOPE = """
      client_id = $1 AND status = ANY($2) AND NOT refused_at_ingest
      AND ($3::timestamptz IS NULL OR received_at >= $3) AND ($4::timestamptz IS NULL OR received_at < $4)""";

  private static final String CREATE = "WITH scope AS (SELECT count(*) AS total, coalesce(max(id), 0) AS max_raw_id"
      + " FROM raw_events WHERE " + SCOPE + ")"
      + " INSERT INTO replays (client_id, statuses, from_ts, to_ts, max_raw_id, total)"
      + " SELECT $1, $2, $3, $4, max_raw_id, total FROM scope RETURNING *";

  private static final String FIND = "SELECT * FROM replays WHERE id = $1";

  // Locking the row waits for a chunk in progress (it holds the row), so the runner sees the cancellation at its next chunk.
  private static final String LOCK = "SELECT state FROM replays WHERE id = $1 FOR UPDATE";
  private static final String CANCEL = "UPDATE replays SET state = 'cancelled', finished_at = now(), heartbeat_at = now()"
      + " WHERE id = $1 RETURNING *";

  // The chunk's first statement: holds the replay's row for the chunk, and tells whether it may go on.
  private static final String STILL_RUNNING = "SELECT state = 'running' AS running FROM replays WHERE id = $1 FOR UPDATE";

  private static final String CLAIM_CHUNK = "SELECT " + StoredRawRows.COLUMNS + " FROM raw_events WHERE " + SCOPE
      + " AND id > $5 AND id <= $6 ORDER BY id LIMIT $7 FOR UPDATE SKIP LOCKED";

  private static final String PROGRESS = """
      UPDATE replays
         SET cursor_id = greatest(cursor_id, $2), processed = processed + $3, accepted = accepted + $4,
             duplicates = duplicates + $5, rejected = rejected + $6, conflicts = conflicts + $7, failed = failed + $8,
             heartbeat_at = now()
       WHERE id = $1""";

  private static final String SUCCEED = "UPDATE replays SET state = 'succeeded', finished_at = now(), heartbeat_at = now()"
      + " WHERE id = $1 AND state = 'running'";

  private static final String FAIL = "UPDATE replays SET state = 'failed', error = $2, finished_at = now(), heartbeat_at = now()"
      + " WHERE id = $1 AND state = 'running'";

  // Takes over one running replay whose runner stopped making progress (a crash, a restart, a lost replica).
  private static final String CLAIM_STALE = """
      UPDATE replays SET heartbeat_at = now()
       WHERE id = (SELECT id FROM replays
                    WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *""";

  /** A newly recorded replay: what the runner needs, and what the client is shown. */
  record Created(Replay replay, ReplayView view) {}

  @Inject Pool pool;

  /** @throws ConflictException (in the Uni) when a replay of this client is already running */
  Uni<Created> create(String clientId, List<String> statuses, Instant from, Instant to) {
    return pool.preparedQuery(CREATE).execute(Tuple.of(clientId, statuses.toArray(new String[0]), utc(from), utc(to)))
        .onFailure(ReplayRepository::isUniqueViolation).transform(e -> new ConflictException(
            "a replay of client " + clientId + " is already running; wait for it to finish (GET /replays/{id})"))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Created(replay(row), view(row));
        });
  }

  public Uni<Optional<ReplayView>> find(long id) {
    return pool.preparedQuery(FIND).execute(Tuple.of(id))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
  }

  /** Replays newest first, of one client or all, after the keyset cursor {@code afterId}. */
  Uni<List<ReplayView>> list(String clientId, String state, Long afterId, int limit) {
    SqlFilter filter = new SqlFilter().and("client_id = %s", clientId).and("state = %s", state).and("id < %s", afterId);
    String sql = "SELECT * FROM replays" + filter.where() + " ORDER BY id DESC LIMIT " + filter.bind(limit);
    return pool.preparedQuery(sql).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          List<ReplayView> views = new ArrayList<>();
          rows.forEach(row -> views.add(view(row)));
          return views;
        });
  }

  /**
   * Cancels a running replay (a cancelled one stays as it is). Empty when there is no such replay; otherwise its
   * state before and the replay now.
   */
  Uni<Optional<Cancellation>> cancel(long id) {
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK).execute(Tuple.of(id))
            .flatMap(locked -> {
              if (locked.size() == 0) {
                return Uni.createFrom().item(Optional.<Cancellation>empty());
              }
              String previous = locked.iterator().next().getString("state");
              String statement = previous.equals("running") ? CANCEL : FIND;
              return connection.preparedQuery(statement).execute(Tuple.of(id))
                  .map(rows -> Optional.of(new Cancellation(previous, view(rows.iterator().next()))));
            }))
        .onFailure().transform(DatabaseFailures::classify);
  }

  /** Within a chunk's transaction: locks the replay's row; false when it is no longer running (cancelled). */
  Uni<Boolean> stillRunning(SqlConnection connection, long replayId) {
    return connection.preparedQuery(STILL_RUNNING).execute(Tuple.of(replayId))
        .map(rows -> rows.size() > 0 && rows.iterator().next().getBoolean("running"));
  }

  /** What POST /replays/{id}/cancel found: the state before, and the replay after. */
  record Cancellation(String previousState, ReplayView replay) {}

  public Uni<Optional<Replay>> claimStale(Duration staleAfter) {
    return pool.preparedQuery(CLAIM_STALE).execute(Tuple.of(staleAfter.toMillis() / 1000.0))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(replay(rows.iterator().next())));
  }

  Uni<RowSet<Row>> claimChunk(SqlConnection connection, Replay replay, long after, int size) {
    return connection.preparedQuery(CLAIM_CHUNK).execute(Tuple.tuple(Arrays.asList(replay.clientId(),
        replay.statuses().toArray(new String[0]), utc(replay.from()), utc(replay.to()), after, replay.maxRawId(), size)));
  }

  Uni<Void> progress(SqlConnection connection, long replayId, ChunkProgress p) {
    return connection.preparedQuery(PROGRESS).execute(Tuple.tuple(Arrays.asList(
            replayId, p.lastRawId(), p.processed(), p.accepted(), p.duplicates(), p.rejected(), p.conflicts(), p.failed())))
        .replaceWithVoid();
  }

  Uni<Void> succeed(long replayId) {
    return pool.preparedQuery(SUCCEED).execute(Tuple.of(replayId)).replaceWithVoid();
  }

  Uni<Void> fail(long replayId, String error) {
    return pool.preparedQuery(FAIL).execute(Tuple.of(replayId, error)).replaceWithVoid();
  }

  static Replay replay(Row row) {
    return new Replay(row.getLong("id"), row.getString("client_id"), List.of(row.getArrayOfStrings("statuses")),
        instant(row.getOffsetDateTime("from_ts")), instant(row.getOffsetDateTime("to_ts")),
        row.getLong("max_raw_id"), row.getLong("cursor_id"));
  }

  private static ReplayView view(Row row) {
    return new ReplayView(row.getLong("id"), row.getString("client_id"), List.of(row.getArrayOfStrings("statuses")),
        instant(row.getOffsetDateTime("from_ts")), instant(row.getOffsetDateTime("to_ts")), row.getString("state"),
        row.getLong("total"), row.getLong("processed"), row.getLong("accepted"), row.getLong("duplicates"),
        row.getLong("rejected"), row.getLong("conflicts"), row.getLong("failed"), instant(row.getOffsetDateTime("started_at")),
        instant(row.getOffsetDateTime("finished_at")), row.getString("error"));
  }

  private static boolean isUniqueViolation(Throwable failure) {
    return failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
  }

  private static Instant instant(OffsetDateTime value) {
    return value == null ? null : value.toInstant();
  }

  private static OffsetDateTime utc(Instant value) {
    return value == null ? null : value.atOffset(ZoneOffset.UTC);
  }
}
