package dev.tally.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.Fingerprint;
import dev.tally.normalize.Normalization;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The write path, and the only place that writes events: raw rows first (committed on their own), then the
 * canonical events and final raw statuses in one transaction. Batches take one round trip per step, not
 * one per event. {@code INSERT ... ON CONFLICT DO NOTHING} on (client_id, fingerprint) decides duplicates.
 */
@ApplicationScoped
public class EventStore {

  private static final String INSERT_RAW = """
      INSERT INTO raw_events (client_id, content_type, payload, raw_body, status, reasons, processed_at, key_id, envelope,
                              refused_at_ingest)
      SELECT c, ct, p::jsonb, b, s, r::jsonb, CASE WHEN s = 'pending' THEN NULL ELSE now() END, k, e::jsonb, f
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bool[])
          AS t(c, ct, p, b, s, r, k, e, f)
      RETURNING id""";

  private static final String INSERT_EVENTS = """
      INSERT INTO events (client_id, fingerprint, event_id, metric, amount, ts, raw_id, mapping_version)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]::numeric[],
                           $6::text[]::timestamptz[], $7::bigint[], $8::int[])
      ON CONFLICT (client_id, fingerprint) DO NOTHING""";

  // Raw rows first, then events: the order the recovery job and replays take them in (they claim raw rows
  // FOR UPDATE SKIP LOCKED), so a request and a recovery working on the same rows wait, never deadlock.
  private static final String LOCK_RAW = "SELECT id FROM raw_events WHERE id = ANY($1) ORDER BY id FOR UPDATE";

  // A separate statement from INSERT_EVENTS on purpose: under READ COMMITTED it takes a new snapshot, so it
  // sees the row of a concurrent transaction that made our insert do nothing.
  private static final String SETTLE_RAW = """
      WITH u AS (
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
          AS u(raw_id, client_id, fingerprint, metric, amount, ts, reasons, mapping_version)
      ), resolved AS (
        SELECT u.raw_id, u.client_id, u.fingerprint, u.reasons, u.mapping_version, e.raw_id AS original_raw_id,
               CASE WHEN u.fingerprint IS NULL THEN 'rejected'
                    WHEN e.raw_id IS NULL THEN 'pending'
                    WHEN e.raw_id = u.raw_id THEN 'accepted'
                    WHEN e.metric = u.metric AND e.amount = u.amount::numeric AND e.ts = u.ts::timestamptz THEN 'duplicate'
                    ELSE 'conflict' END AS status
          FROM u LEFT JOIN events e ON e.client_id = u.client_id AND e.fingerprint = u.fingerprint
      )
      UPDATE raw_events r
         SET status = resolved.status,
             client_id = coalesce(resolved.client_id, r.client_id),
             fingerprint = resolved.fingerprint,
             reasons = resolved.reasons::jsonb,
             mapping_version = resolved.mapping_version,
             processed_at = now(),
             -- A row a recovery run or replay could not settle before (V6) is no longer in trouble; attempts stay.
             settle_error = NULL,
             settle_failed_at = NULL
        FROM resolved
       WHERE r.id = resolved.raw_id
      RETURNING r.id, resolved.status, resolved.original_raw_id""";

  @Inject Pool pool;
  @Inject ObjectMapper json;

  /** Writes and commits the raw rows; returns their ids in the order given. */
  public Uni<List<Long>> insertRaw(List<RawRecord> records) {
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
      statuses[i] = r.status();
      reasons[i] = r.reasonsJson();
    }
    return pool.preparedQuery(INSERT_RAW)
        .execute(tuple(clientIds, contentTypes, payloads, bodies, statuses, reasons, keyIds, envelopes, refused))
        .map(rows -> {
          List<Long> ids = new ArrayList<>(n);
          for (Row row : rows) {
            ids.add(row.getLong(0));
          }
          if (ids.size() != n) {
            throw new IllegalStateException("inserted " + ids.size() + " raw rows for " + n + " elements");
          }
          // One statement draws its ids from the sequence in the order unnest yields the rows.
          ids.sort(null);
          return ids;
        })
        .onFailure().transform(DatabaseFailures::classify);
  }

  /** Settles normalized raw rows in one transaction of its own. */
  public Uni<Map<Long, Settled>> settle(List<Settlement> settlements) {
    if (settlements.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    Long[] rawIds = settlements.stream().map(Settlement::rawId).sorted().toArray(Long[]::new);
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK_RAW).execute(Tuple.of(rawIds))
            .flatMap(locked -> settle(connection, settlements)))
        .onFailure().transform(DatabaseFailures::classify);
  }

  /**
   * Inserts the accepted events (the first occurrence of each fingerprint) and gives every raw row its final
   * status, within the caller's transaction.
   */
  public Uni<Map<Long, Settled>> settle(SqlClient client, List<Settlement> settlements) {
    if (settlements.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    Uni<Void> inserted = insertEvents(client, settlements);
    return inserted.flatMap(ignored -> client.preparedQuery(SETTLE_RAW).execute(settleTuple(settlements)))
        .map(rows -> {
          Map<Long, Settled> byRawId = new HashMap<>();
          for (Row row : rows) {
            Settled settled = new Settled(row.getLong(0), row.getString(1), row.getLong(2));
            if ("pending".equals(settled.status())) {
              throw new IllegalStateException("raw row " + settled.rawId() + " has a fingerprint but no event");
            }
            byRawId.put(settled.rawId(), settled);
          }
          if (byRawId.size() != settlements.size()) {
            throw new IllegalStateException("settled " + byRawId.size() + " raw rows of " + settlements.size());
          }
          return byRawId;
        });
  }

  private Uni<Void> insertEvents(SqlClient client, List<Settlement> settlements) {
    List<Settlement> firsts = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Settlement s : settlements) {
      if (s.normalization() instanceof Normalization.Accepted a
          && seen.add(a.event().clientId() + '\u001F' + a.fingerprint())) {
        firsts.add(s);
      }
    }
    if (firsts.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    int n = firsts.size();
    String[] clientIds = new String[n];
    String[] fingerprints = new String[n];
    String[] eventIds = new String[n];
    String[] metrics = new String[n];
    String[] amounts = new String[n];
    String[] timestamps = new String[n];
    Long[] rawIds = new Long[n];
    Integer[] versions = new Integer[n];
    for (int i = 0; i < n; i++) {
      Normalization.Accepted a = (Normalization.Accepted) firsts.get(i).normalization();
      CanonicalEvent e = a.event();
      clientIds[i] = e.clientId();
      fingerprints[i] = a.fingerprint();
      eventIds[i] = e.eventId();
      metrics[i] = e.metric();
      amounts[i] = e.amount().toPlainString();
      timestamps[i] = Fingerprint.formatTimestamp(e.timestamp());
      rawIds[i] = firsts.get(i).rawId();
      versions[i] = a.mappingVersion();
    }
    return client.preparedQuery(INSERT_EVENTS)
        .execute(tuple(clientIds, fingerprints, eventIds, metrics, amounts, timestamps, rawIds, versions))
        .replaceWithVoid();
  }

  private Tuple settleTuple(List<Settlement> settlements) {
    int n = settlements.size();
    Long[] rawIds = new Long[n];
    String[] clientIds = new String[n];
    String[] fingerprints = new String[n];
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
        metrics[i] = e.metric();
        amounts[i] = e.amount().toPlainString();
        timestamps[i] = Fingerprint.formatTimestamp(e.timestamp());
      } else if (s.normalization() instanceof Normalization.Rejected r) {
        reasons[i] = toJson(r.errors());
      }
    }
    return tuple(rawIds, clientIds, fingerprints, metrics, amounts, timestamps, reasons, versions);
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
