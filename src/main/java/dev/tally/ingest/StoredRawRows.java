package dev.tally.ingest;

import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How raw rows are read back to be normalized again: the columns to select from raw_events and their mapping to
 * {@link StoredRaw}. The recovery job and replays claim rows with their own queries and share this one mapping,
 * so neither can forget a column the other reprocesses with.
 */
public final class StoredRawRows {

  /**
   * The columns {@link #from(RowSet)} reads; select them from raw_events to reprocess rows. A client_id of '' is Citus'
   * "no client could be known" (V14): null, as in plain PostgreSQL.
   */
  public static final String COLUMNS =
      "id, received_at, status, fingerprint, payload::text AS payload, raw_body, nullif(client_id, '') AS client_id";

  private StoredRawRows() {}

  /** Raw rows as selected with {@link #COLUMNS}: jsonb payloads as their JSON text, the rest as the exact bytes received. */
  public static List<StoredRaw> from(RowSet<Row> rows) {
    List<StoredRaw> stored = new ArrayList<>(rows.size());
    for (Row row : rows) {
      stored.add(from(row));
    }
    return stored;
  }

  private static StoredRaw from(Row row) {
    String payload = row.getString("payload");
    Buffer body = row.getBuffer("raw_body");
    byte[] content = payload != null ? payload.getBytes(StandardCharsets.UTF_8) : body.getBytes();
    return new StoredRaw(row.getLong("id"), row.getOffsetDateTime("received_at").toInstant(), row.getString("status"),
        row.getString("fingerprint"), content, row.getString("client_id"));
  }
}
