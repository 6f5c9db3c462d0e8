package dev.tally.inspect;

import dev.tally.ingest.RawStatus;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.platform.DatabaseFailures;
import dev.tally.platform.NotFoundException;
import dev.tally.platform.SqlFilter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Read-only queries behind the inspection endpoints. */
@ApplicationScoped
public class EventQueries {

  private static final String FIND_EVENT = """
      SELECT e.client_id, e.fingerprint, e.event_id, e.metric, e.amount, e.ts, e.raw_id, e.mapping_version, e.created_at,
             ARRAY(SELECT r.id FROM raw_events r
                    WHERE r.client_id = e.client_id AND r.fingerprint = e.fingerprint
                      AND r.status IN ('accepted', 'duplicate') ORDER BY r.id) AS raw_ids
        FROM events e
       WHERE e.client_id = $1 AND e.fingerprint = $2 AND ($3::text[] IS NULL OR e.client_id = ANY($3::text[]))""";

  private static final String RAW_COLUMNS = """
      SELECT id, received_at, nullif(client_id, '') AS client_id, content_type, status, payload::text, raw_body, reasons::text,
             fingerprint, mapping_version, processed_at, envelope::text, refused_at_ingest,
             settle_error, settle_attempts, settle_failed_at
        FROM raw_events""";

  @Inject Pool pool;

  /**
   * The event, looked up within the caller's {@code scope} (null: every client) in SQL as well: a read key scoped to
   * other clients finds nothing, even should a request reach here past the access check.
   */
  public Uni<EventView> findEvent(String clientId, String fingerprint, List<String> scope) {
    String[] clients = scope == null ? null : scope.toArray(new String[0]);
    return pool.preparedQuery(FIND_EVENT).execute(Tuple.of(clientId, fingerprint, clients))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          if (rows.size() == 0) {
            throw new NotFoundException("no event with fingerprint " + fingerprint + " for client " + clientId);
          }
          return eventFrom(rows.iterator().next());
        });
  }

  /** One raw row, if it exists and its client is in {@code scope} (null: any). */
  public Uni<RawEventView> findRaw(long id, List<String> scope) {
    SqlFilter filter = new SqlFilter()
        .and("id = %s", id)
        .and("client_id = ANY(%s)", scope == null ? null : scope.toArray(new String[0]));
    return pool.preparedQuery(RAW_COLUMNS + filter.where()).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          if (rows.size() == 0) {
            // The same answer whether the row does not exist or belongs to a client the key may not read.
            throw new NotFoundException("no raw event " + id + " this key may read");
          }
          return rawFrom(rows.iterator().next());
        });
  }

  /** Newest first; {@code afterId} is exclusive. Filters are optional (null); {@code scope} null means every client. */
  public Uni<RawEventPage> listRaw(String clientId, List<String> scope, String status, Long afterId, int limit) {
    SqlFilter filter = new SqlFilter()
        .and("client_id = %s", clientId)
        .and("client_id = ANY(%s)", scope == null ? null : scope.toArray(new String[0]))
        .and("status = %s", status)
        .and("id < %s", afterId);
    // One row more than asked for tells whether there is a next page.
    String take = filter.bind(limit + 1);
    String sql = clientId != null && status == null
        // The client's filter outside too: under Citus it routes the whole statement to the client's shard.
        ? RAW_COLUMNS + filter.where() + " AND id IN (" + everyStatusNewestFirst(filter, take) + ") ORDER BY id DESC"
        : RAW_COLUMNS + filter.where() + " ORDER BY id DESC LIMIT " + take;
    return pool.preparedQuery(sql).execute(filter.params())
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          List<RawEventView> items = new ArrayList<>(limit);
          for (Row row : rows) {
            if (items.size() == limit) {
              return new RawEventPage(items, String.valueOf(items.get(limit - 1).id()));
            }
            items.add(rawFrom(row));
          }
          return new RawEventPage(items, null);
        });
  }

  /**
   * The ids of one client's newest rows of every status: the newest {@code take} of each status's range of
   * raw_events_client_status_idx (client_id, status, id DESC), merged, the newest {@code take} of those. There is no
   * index on (client_id, id) to read them from in one range (V19: it cost every event two index entries).
   */
  static String everyStatusNewestFirst(SqlFilter filter, String take) {
    StringBuilder ranges = new StringBuilder();
    for (RawStatus status : RawStatus.values()) {
      ranges.append(ranges.isEmpty() ? "" : " UNION ALL ")
          .append("(SELECT id FROM raw_events").append(filter.where()).append(" AND status = '").append(status.sql())
          .append("' ORDER BY id DESC LIMIT ").append(take).append(')');
    }
    return "SELECT id FROM (" + ranges + ") newest ORDER BY id DESC LIMIT " + take;
  }

  private static EventView eventFrom(Row row) {
    CanonicalEvent event = new CanonicalEvent(
        row.getString("client_id"),
        row.getString("metric"),
        row.getBigDecimal("amount").stripTrailingZeros(),
        row.getOffsetDateTime("ts").toInstant(),
        row.getString("event_id"));
    List<Long> rawIds = new ArrayList<>();
    for (Long id : row.getArrayOfLongs("raw_ids")) {
      rawIds.add(id);
    }
    return new EventView(event.clientId(), row.getString("fingerprint"), event, row.getInteger("mapping_version"),
        row.getLong("raw_id"), rawIds, row.getOffsetDateTime("created_at").toInstant());
  }

  private static RawEventView rawFrom(Row row) {
    io.vertx.mutiny.core.buffer.Buffer body = row.getBuffer("raw_body");
    OffsetDateTime processedAt = row.getOffsetDateTime("processed_at");
    OffsetDateTime settleFailedAt = row.getOffsetDateTime("settle_failed_at");
    int settleAttempts = row.getInteger("settle_attempts");
    return new RawEventView(
        row.getLong("id"),
        row.getOffsetDateTime("received_at").toInstant(),
        row.getString("client_id"),
        row.getString("content_type"),
        row.getString("status"),
        row.getString("payload"),
        body == null ? null : new String(body.getBytes(), StandardCharsets.UTF_8),
        row.getString("reasons"),
        row.getString("fingerprint"),
        row.getInteger("mapping_version"),
        processedAt == null ? null : processedAt.toInstant(),
        row.getString("envelope"),
        row.getBoolean("refused_at_ingest") ? Boolean.TRUE : null,
        row.getString("settle_error"),
        settleAttempts == 0 ? null : settleAttempts,
        settleFailedAt == null ? null : settleFailedAt.toInstant());
  }
}
