package dev.tally.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.Fingerprint;
import dev.tally.normalize.Normalization;
import dev.tally.platform.DatabaseLayout;
import dev.tally.platform.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The write path's statements, and the only place that writes events: raw rows first (committed on their own), then
 * the canonical events and final raw statuses in one statement ({@code tally_settle}, V7). Each step is one round trip
 * whatever the number of events: requests share them ({@link GroupCommit}), and a settle may carry the next group's
 * raw insert ({@link #settleCarrying}). {@code INSERT ... ON CONFLICT DO NOTHING}
 * on (client_id, fingerprint) decides duplicates.
 */
@ApplicationScoped
public class EventStore {

  private static final String INSERT_RAW = """
      INSERT INTO raw_events (client_id, content_type, payload, raw_body, status, reasons, processed_at, key_id, envelope,
                              refused_at_ingest)
      SELECT %s, ct, p::jsonb, b, s, r::jsonb, CASE WHEN s = 'pending' THEN NULL ELSE now() END, k, e::jsonb, f
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bool[])
          AS t(c, ct, p, b, s, r, k, e, f)
      RETURNING id""";
  private static final String INSERT_RAW_PLAIN = INSERT_RAW.formatted("c");
  // Citus (V14): every row needs a distribution value; a row whose client cannot be known is filed under ''.
  private static final String INSERT_RAW_DISTRIBUTED = INSERT_RAW.formatted("coalesce(c, '')");

  // V7: lock the raw rows, insert the events, give the raw rows their final status — one statement, one round trip.
  private static final String SETTLE = "SELECT * FROM tally_settle($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  // V14's tally_settle for Citus: the raw rows' clients as stored first, so that each statement goes to their shards.
  private static final String SETTLE_DISTRIBUTED = "SELECT * FROM tally_settle($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

  // One group's settle carrying the next group's raw insert (the rows of INSERT_RAW_PLAIN): one statement, so one
  // transaction and one commit (one WAL flush) for both. Rows with a null status are the carried raw rows' ids.
  private static final String SETTLE_CARRYING_RAW = "WITH carried AS (\n" + INSERT_RAW_PLAIN + "\n)\n" + """
      SELECT * FROM tally_settle($10, $11, $12, $13, $14, $15, $16, $17, $18)
      UNION ALL
      SELECT id, NULL::text, NULL::bigint FROM carried""";

  @Inject Pool pool;
  @Inject ObjectMapper json;
  @Inject DatabaseLayout layout;

  /** Writes and commits the raw rows; returns their ids in the order given. */
  public Uni<List<Long>> insertRaw(List<RawRecord> records) {
    return layout.distributed()
        .flatMap(distributed -> pool.preparedQuery(distributed ? INSERT_RAW_DISTRIBUTED : INSERT_RAW_PLAIN)
            .execute(rawTuple(records)))
        .map(rows -> {
          List<Long> ids = new ArrayList<>(records.size());
          for (Row row : rows) {
            ids.add(row.getLong(0));
          }
          return sortedIds(ids, records.size());
        })
        .onFailure().transform(DatabaseFailures::classify);
  }

  /** What {@link #settleCarrying} returns: the settled rows, and the carried raw rows' ids in the order given. */
  public record SettledAndStored(Map<Long, Settled> settled, List<Long> rawIds) {}

  /**
   * Settles one group's normalized raw rows and writes the next group's raw rows in one statement, so in one commit:
   * both or neither. The carried rows are committed before their own normalization starts, as with
   * {@link #insertRaw}; the settled ones were committed before. On Citus the settle and the raw insert go out one after
   * the other (two commits), as without carrying.
   */
  public Uni<SettledAndStored> settleCarrying(List<Settlement> settlements, List<RawRecord> carried) {
    return layout.distributed().flatMap(distributed -> {
      if (distributed) {
        return settle(settlements).flatMap(settled -> insertRaw(carried).map(ids -> new SettledAndStored(settled, ids)));
      }
      Tuple columns = rawTuple(carried);
      Tuple settle = settleTuple(settlements);
      for (int i = 0; i < settle.size(); i++) {
        columns.addValue(settle.getValue(i));
      }
      return pool.preparedQuery(SETTLE_CARRYING_RAW).execute(columns).map(rows -> {
        List<Row> settledRows = new ArrayList<>(settlements.size());
        List<Long> ids = new ArrayList<>(carried.size());
        for (Row row : rows) {
          if (row.getString(1) == null) {
            ids.add(row.getLong(0));
          } else {
            settledRows.add(row);
          }
        }
        return new SettledAndStored(settledByRawId(settledRows, settlements.size()), sortedIds(ids, carried.size()));
      }).onFailure().transform(DatabaseFailures::classify);
    });
  }

  private Tuple rawTuple(List<RawRecord> records) {
    int n = records.size();
    String[] clientIds = new String[n];
    String[] contentTypes = new String[n];
    String[] payloads = new String[n];
    Buffer[] bodies = new Buffer[n];
    String[] statuses = new String[n];
    String[] reasons = new String[n];
    String[] keyIds = new String[n];
    String[] envelopes = new String[n];
    Boolean[] refused = new Boolean[n];
    for (int i = 0; i < n; i++) {
      RawRecord r = records.get(i);
      keyIds[i] = r.keyId();
      envelopes[i] = r.envelopeJson();
      refused[i] = r.refusedAtIngest();
      clientIds[i] = r.clientId();
      contentTypes[i] = r.contentType();
      payloads[i] = r.payloadJson();
      bodies[i] = r.rawBody() == null ? null : Buffer.buffer(r.rawBody());
      statuses[i] = r.status().sql();
      reasons[i] = r.reasonsJson();
    }
    return tuple(clientIds, contentTypes, payloads, bodies, statuses, reasons, keyIds, envelopes, refused);
  }

  private static List<Long> sortedIds(List<Long> ids, int expected) {
    if (ids.size() != expected) {
      throw new IllegalStateException("inserted " + ids.size() + " raw rows for " + expected + " elements");
    }
    // One statement draws its ids from the sequence in the order unnest yields the rows.
    ids.sort(null);
    return ids;
  }

  /**
   * Settles normalized raw rows in one autocommitted statement: the events inserted and the raw rows' final statuses
   * commit together, or not at all.
   */
  public Uni<Map<Long, Settled>> settle(List<Settlement> settlements) {
    return settle(pool, settlements).onFailure().transform(DatabaseFailures::classify);
  }

  /**
   * Inserts the accepted events (one per client and fingerprint: the raw row stored first stands for it) and gives
   * every raw row its final status, within the caller's transaction when {@code client} is a connection in one.
   */
  public Uni<Map<Long, Settled>> settle(SqlClient client, List<Settlement> settlements) {
    if (settlements.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return layout.distributed()
        .flatMap(distributed -> distributed
            ? client.preparedQuery(SETTLE_DISTRIBUTED).execute(settleTuple(settlements, rawClients(settlements)))
            : client.preparedQuery(SETTLE).execute(settleTuple(settlements)))
        .map(rows -> {
          List<Row> settled = new ArrayList<>(settlements.size());
          rows.forEach(settled::add);
          return settledByRawId(settled, settlements.size());
        });
  }

  private static Map<Long, Settled> settledByRawId(List<Row> rows, int expected) {
    Map<Long, Settled> byRawId = new HashMap<>();
    for (Row row : rows) {
      RawStatus status = RawStatus.of(row.getString(1));
      if (status == RawStatus.PENDING) {
        throw new IllegalStateException("raw row " + row.getLong(0) + " has a fingerprint but no event");
      }
      byRawId.put(row.getLong(0), new Settled(row.getLong(0), status, row.getLong(2)));
    }
    if (byRawId.size() != expected) {
      throw new IllegalStateException("settled " + byRawId.size() + " raw rows of " + expected);
    }
    return byRawId;
  }

  private Tuple settleTuple(List<Settlement> settlements, String[] rawClients) {
    Tuple rest = settleTuple(settlements);
    Tuple columns = Tuple.of(rawClients);
    for (int i = 0; i < rest.size(); i++) {
      columns.addValue(rest.getValue(i));
    }
    return columns;
  }

  private Tuple settleTuple(List<Settlement> settlements) {
    int n = settlements.size();
    Long[] rawIds = new Long[n];
    String[] clientIds = new String[n];
    String[] fingerprints = new String[n];
    String[] eventIds = new String[n];
    String[] metrics = new String[n];
    String[] amounts = new String[n];
    String[] timestamps = new String[n];
    String[] reasons = new String[n];
    Integer[] versions = new Integer[n];
    for (int i = 0; i < n; i++) {
      Settlement s = settlements.get(i);
      rawIds[i] = s.rawId();
      versions[i] = s.normalization().mappingVersion();
      if (s.normalization() instanceof Normalization.Accepted a) {
        CanonicalEvent e = a.event();
        clientIds[i] = e.clientId();
        fingerprints[i] = a.fingerprint();
        eventIds[i] = e.eventId();
        metrics[i] = e.metric();
        amounts[i] = e.amount().toPlainString();
        timestamps[i] = Fingerprint.formatTimestamp(e.timestamp());
      } else if (s.normalization() instanceof Normalization.Rejected r) {
        reasons[i] = toJson(r.errors());
      }
    }
    return tuple(rawIds, clientIds, fingerprints, eventIds, metrics, amounts, timestamps, reasons, versions);
  }

  /** The raw rows' distribution values, as INSERT_RAW_DISTRIBUTED stored them. */
  private static String[] rawClients(List<Settlement> settlements) {
    String[] clients = new String[settlements.size()];
    for (int i = 0; i < clients.length; i++) {
      String client = settlements.get(i).rawClientId();
      clients[i] = client == null ? "" : client;
    }
    return clients;
  }

  private static Tuple tuple(Object... columns) {
    return Tuple.tuple(Arrays.asList(columns));
  }

  String toJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }
}
