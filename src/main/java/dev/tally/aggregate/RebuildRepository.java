package dev.tally.aggregate;

import dev.tally.platform.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The aggregate_rebuilds rows: one per POST /aggregates/rebuild that started a rebuild, with its progress. */
@ApplicationScoped
public class RebuildRepository {

  private static final String COLUMNS = "id, state, total, processed, events, started_at, finished_at, error";

  private static final String ABANDON = """
      UPDATE aggregate_rebuilds SET state = 'failed', finished_at = now(), error = 'abandoned: no progress since ' || updated_at
       WHERE state = 'running' AND updated_at < now() - make_interval(secs => $1)""";

  // At most one running (a partial unique index): a second start finds the running one instead.
  private static final String START = "INSERT INTO aggregate_rebuilds DEFAULT VALUES ON CONFLICT DO NOTHING RETURNING " + COLUMNS;
  private static final String RUNNING = "SELECT " + COLUMNS + " FROM aggregate_rebuilds WHERE state = 'running'";
  private static final String FIND = "SELECT " + COLUMNS + " FROM aggregate_rebuilds WHERE id = $1";
  private static final String CLIENTS = "SELECT aggregate_clients() AS client_id";
  private static final String TOTAL = "UPDATE aggregate_rebuilds SET total = $2, updated_at = now() WHERE id = $1";
  private static final String PROGRESS = """
      UPDATE aggregate_rebuilds SET processed = processed + 1, events = events + $2, updated_at = now() WHERE id = $1""";
  private static final String FINISH = """
      UPDATE aggregate_rebuilds SET state = $2, error = $3, finished_at = now(), updated_at = now() WHERE id = $1 AND state = 'running'""";

  @Inject Pool pool;

  /** A new running rebuild, or (created false) the one already running. */
  public Uni<Started> start(Duration staleAfter) {
    return pool.preparedQuery(ABANDON).execute(Tuple.of((double) staleAfter.toSeconds()))
        .flatMap(ignored -> pool.preparedQuery(START).execute())
        .flatMap(rows -> rows.size() == 1
            ? Uni.createFrom().item(new Started(viewFrom(rows.iterator().next()), true))
            : pool.preparedQuery(RUNNING).execute().map(running -> new Started(one(running).orElseThrow(), false)))
        .onFailure().transform(DatabaseFailures::classify);
  }

  public Uni<Optional<RebuildView>> find(long id) {
    return pool.preparedQuery(FIND).execute(Tuple.of(id)).onFailure().transform(DatabaseFailures::classify).map(RebuildRepository::one);
  }

  public Uni<List<String>> clients() {
    return pool.preparedQuery(CLIENTS).execute().onFailure().transform(DatabaseFailures::classify).map(rows -> {
      List<String> clients = new ArrayList<>();
      rows.forEach(row -> clients.add(row.getString("client_id")));
      return clients;
    });
  }

  public Uni<Void> total(long id, int total) {
    return pool.preparedQuery(TOTAL).execute(Tuple.of(id, total)).replaceWithVoid();
  }

  public Uni<Void> progress(long id, long events) {
    return pool.preparedQuery(PROGRESS).execute(Tuple.of(id, events)).replaceWithVoid();
  }

  public Uni<Void> finish(long id, String state, String error) {
    return pool.preparedQuery(FINISH).execute(Tuple.of(id, state, error)).replaceWithVoid();
  }

  private static Optional<RebuildView> one(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(viewFrom(rows.iterator().next()));
  }

  private static RebuildView viewFrom(Row row) {
    OffsetDateTime finished = row.getOffsetDateTime("finished_at");
    return new RebuildView(row.getLong("id"), row.getString("state"), row.getLong("total"), row.getLong("processed"),
        row.getLong("events"), row.getOffsetDateTime("started_at").toInstant(), finished == null ? null : finished.toInstant(),
        row.getString("error"));
  }

  /** A rebuild and whether this call started it. */
  public record Started(RebuildView view, boolean created) {}
}
