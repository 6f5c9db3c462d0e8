package dev.tally.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.platform.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Mapping versions in PostgreSQL; saving one notifies every replica (channel {@value #CHANNEL}). */
@ApplicationScoped
public class MappingRepository {

  static final String CHANNEL = "tally_mappings";

  private static final String COLUMNS = "client_id, version, created_at, definition::text AS definition";

  private static final String CURRENT = "SELECT " + COLUMNS
      + " FROM client_mappings WHERE client_id = $1 ORDER BY version DESC LIMIT 1";

  private static final String CURRENT_FOR_MANY = "SELECT DISTINCT ON (client_id) " + COLUMNS
      + " FROM client_mappings WHERE client_id = ANY($1) ORDER BY client_id, version DESC";

  private static final String VERSIONS = "SELECT " + COLUMNS + " FROM client_mappings WHERE client_id = $1 ORDER BY version";

  // Definitions are bound as text and cast: bound as jsonb, a Java String would be stored as a JSON string.
  // Serializes saves per client, so that version numbers are gapless and an identical save is recognised.
  private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('tally.mapping:' || $1, 0))";

  private static final String CURRENT_IF_SAME = "SELECT " + COLUMNS + ", definition = $2::text::jsonb AS same"
      + " FROM client_mappings WHERE client_id = $1 ORDER BY version DESC LIMIT 1";

  private static final String INSERT = """
      INSERT INTO client_mappings (client_id, version, definition)
      VALUES ($1, $2, $3::text::jsonb)
      RETURNING client_id, version, created_at, definition::text AS definition""";

  // Delivered to every listening replica when the transaction commits, not before.
  private static final String NOTIFY = "SELECT pg_notify('" + CHANNEL + "', $1)";

  /** A save's outcome: {@code created} is false when the definition equals the current version. */
  public record Saved(MappingVersion version, boolean created) {}

  @Inject Pool pool;
  @Inject ObjectMapper json;

  public Uni<Optional<MappingVersion>> current(String clientId) {
    return pool.preparedQuery(CURRENT).execute(Tuple.of(clientId))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(from(rows.iterator().next())));
  }

  /** The current version of each client that has one; clients without a mapping are absent. */
  public Uni<Map<String, MappingVersion>> current(Collection<String> clientIds) {
    return pool.preparedQuery(CURRENT_FOR_MANY).execute(Tuple.of(clientIds.toArray(new String[0])))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          Map<String, MappingVersion> byClient = new HashMap<>();
          for (Row row : rows) {
            MappingVersion version = from(row);
            byClient.put(version.clientId(), version);
          }
          return byClient;
        });
  }

  public Uni<List<MappingVersion>> versions(String clientId) {
    return pool.preparedQuery(VERSIONS).execute(Tuple.of(clientId))
        .onFailure().transform(DatabaseFailures::classify)
        .map(this::all);
  }

  public Uni<Saved> save(String clientId, MappingDefinition definition) {
    String text = toJson(definition);
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK).execute(Tuple.of(clientId))
            .flatMap(locked -> connection.preparedQuery(CURRENT_IF_SAME).execute(Tuple.of(clientId, text)))
            .flatMap(current -> {
              int next = 1;
              if (current.size() > 0) {
                Row row = current.iterator().next();
                if (row.getBoolean("same")) {
                  return Uni.createFrom().item(new Saved(from(row), false));
                }
                next = row.getInteger("version") + 1;
              }
              return connection.preparedQuery(INSERT).execute(Tuple.of(clientId, next, text))
                  .flatMap(inserted -> connection.preparedQuery(NOTIFY).execute(Tuple.of(clientId))
                      .map(notified -> new Saved(from(inserted.iterator().next()), true)));
            }))
        .onFailure().transform(DatabaseFailures::classify);
  }

  private List<MappingVersion> all(RowSet<Row> rows) {
    List<MappingVersion> versions = new ArrayList<>();
    for (Row row : rows) {
      versions.add(from(row));
    }
    return versions;
  }

  private MappingVersion from(Row row) {
    try {
      MappingDefinition definition = json.readValue(row.getString("definition"), MappingDefinition.class);
      return new MappingVersion(row.getString("client_id"), row.getInteger("version"),
          row.getOffsetDateTime("created_at").toInstant(), definition);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored mapping of " + row.getString("client_id") + " is unreadable", e);
    }
  }

  private String toJson(MappingDefinition definition) {
    try {
      return json.writeValueAsString(definition);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a mapping definition", e);
    }
  }
}
