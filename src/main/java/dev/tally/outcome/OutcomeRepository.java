package dev.tally.outcome;

import dev.tally.aggregate.AggregateRepository;
import dev.tally.aggregate.Granularity;
import dev.tally.platform.DatabaseFailures;
import dev.tally.platform.SqlFilter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the materialized outcomes (V9__ingest_outcomes.sql): 15-minute buckets summed into the hours or days of the
 * query's zone (every zone offset in use is a multiple of 15 minutes, so each bucket lies in exactly one of them),
 * and the most frequent rejection codes of the range. Never reads raw_events.
 */
@ApplicationScoped
public class OutcomeRepository {

  private static final String STATE = "SELECT generation, as_of FROM aggregate_state";

  private static final String COUNTS = "sum(accepted)::bigint AS accepted, sum(duplicate)::bigint AS duplicate, "
      + "sum(rejected)::bigint AS rejected, sum(conflict)::bigint AS conflict, sum(unparseable)::bigint AS unparseable, "
      + "sum(pending)::bigint AS pending";

  @Inject Pool pool;

  /** The view's generation and asOf. */
  Uni<State> state() {
    return pool.preparedQuery(STATE).execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> state(rows.iterator().next()));
  }

  /** The buckets of a query with the state they were read at (one statement, one snapshot). */
  Uni<Buckets> buckets(OutcomeQuery query) {
    SqlFilter filter = filter(query);
    String tz = filter.bind(query.zone().getId());
    String local = "(bucket AT TIME ZONE " + tz + ")";
    String label = query.granularity() == Granularity.DAY
        ? "date_trunc('day', " + local + ") AS label_local, NULL::int AS label_offset"
        : "date_trunc('hour', " + local + ") AS label_local, extract(epoch FROM " + local
            + " - (bucket AT TIME ZONE 'UTC'))::int AS label_offset";
    String limit = filter.bind(query.limit() + 1);
    // A plain join of an uncorrelated subquery, not LATERAL: the same plan in PostgreSQL, and one Citus can run (the
    // subquery on the workers, the join with the coordinator's aggregate_state on the coordinator).
    String sql = "SELECT s.generation, s.as_of, r.* FROM " + AggregateRepository.STATE_ROW + " s LEFT JOIN (SELECT client_id, " + label
        + ", min(bucket) AS sort_key, " + COUNTS + " FROM outcome_buckets" + filter.where()
        + " GROUP BY 1, 2, 3 ORDER BY 1, 4 LIMIT " + limit + ") r ON true ORDER BY r.client_id, r.sort_key";
    return pool.preparedQuery(sql).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> buckets(rows, query));
  }

  /**
   * The {@code top} most frequent rejection codes of the query's clients and range, each with the newest
   * {@code examples} raw ids given it in the range and the newest one's message.
   */
  Uni<List<RejectionCode>> topCodes(OutcomeQuery query, int top, int examples) {
    SqlFilter filter = filter(query);
    String from = filter.bind(OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC));
    String to = filter.bind(OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
    // The examples of the top codes in one pass over their rows, ranked per code: no correlated subquery, which Citus
    // cannot run on distributed tables.
    String sql = "WITH top AS MATERIALIZED (SELECT client_id, code, sum(rows_count)::bigint AS rows_count FROM outcome_codes"
        + filter.where() + " GROUP BY client_id, code HAVING sum(rows_count) > 0 ORDER BY 3 DESC, 1, 2 LIMIT " + filter.bind(top) + ")"
        + ", ids AS (SELECT DISTINCT ON (o.client_id, o.code, id) o.client_id, o.code, id, o.example_message AS message"
        + "   FROM outcome_codes o, unnest(o.examples) id"
        + "  WHERE (o.client_id, o.code) IN (SELECT client_id, code FROM top) AND o.bucket >= " + from + " AND o.bucket < " + to
        + "  ORDER BY o.client_id, o.code, id DESC)"
        + ", e AS (SELECT client_id, code, array_agg(id ORDER BY id DESC) AS examples,"
        + "   (array_agg(message ORDER BY id DESC))[1] AS message"
        + "   FROM (SELECT i.*, row_number() OVER (PARTITION BY client_id, code ORDER BY id DESC) AS n FROM ids i) x"
        + "  WHERE n <= " + filter.bind(examples) + " GROUP BY client_id, code)"
        + " SELECT t.client_id, t.code, t.rows_count, e.examples, e.message"
        + "   FROM top t LEFT JOIN e ON e.client_id = t.client_id AND e.code = t.code"
        + " ORDER BY t.rows_count DESC, t.client_id, t.code";
    return pool.preparedQuery(sql).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          List<RejectionCode> codes = new ArrayList<>();
          for (Row row : rows) {
            Long[] ids = row.getArrayOfLongs("examples");
            codes.add(new RejectionCode(client(row.getString("client_id")), row.getString("code"), row.getLong("rows_count"),
                ids == null ? List.of() : Arrays.stream(ids).toList(), row.getString("message")));
          }
          return codes;
        });
  }

  /** Clients with outcomes or aggregates, in order (index skip scans, never a table scan). */
  public Uni<List<String>> clients() {
    return pool.preparedQuery("SELECT id FROM (SELECT outcome_clients() AS id UNION SELECT aggregate_clients()) c"
            + " WHERE id <> '' ORDER BY id").execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          List<String> clients = new ArrayList<>();
          rows.forEach(row -> clients.add(row.getString(0)));
          return clients;
        });
  }

  private static SqlFilter filter(OutcomeQuery query) {
    return new SqlFilter()
        .and("client_id = %s", query.clientId())
        .and("client_id = ANY(%s)", query.scope() == null ? null : query.scope().toArray(new String[0]))
        .and("bucket >= %s", OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC))
        .and("bucket < %s", OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
  }

  private static Buckets buckets(RowSet<Row> rows, OutcomeQuery query) {
    State state = null;
    List<OutcomeBucket> found = new ArrayList<>();
    boolean truncated = false;
    for (Row row : rows) {
      state = state(row);
      if (row.getString("client_id") == null) {
        continue;
      }
      if (found.size() == query.limit()) {
        truncated = true;
        break;
      }
      found.add(new OutcomeBucket(client(row.getString("client_id")),
          AggregateRepository.label(row.getLocalDateTime("label_local"), row.getInteger("label_offset"), query.zone()),
          row.getLong("accepted"), row.getLong("duplicate"), row.getLong("rejected"), row.getLong("conflict"),
          row.getLong("unparseable"), row.getLong("pending")));
    }
    return new Buckets(state, found, truncated);
  }

  /** '' stands for raw rows without a readable clientId. */
  private static String client(String stored) {
    return stored.isEmpty() ? null : stored;
  }

  private static State state(Row row) {
    return new State(row.getLong("generation"), row.getOffsetDateTime("as_of").toInstant());
  }

  record State(long generation, Instant asOf) {}

  record Buckets(State state, List<OutcomeBucket> buckets, boolean truncated) {}
}
