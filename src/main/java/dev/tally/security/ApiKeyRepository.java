package dev.tally.security;

import dev.tally.platform.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** API keys in PostgreSQL; every change notifies every replica (channel {@value #CHANNEL}) when it commits. */
@ApplicationScoped
public class ApiKeyRepository {

  static final String CHANNEL = "tally_api_keys";

  /** The id the bootstrap admin key is stored under. */
  static final String BOOTSTRAP_ID = "bootstrap";

  private static final String COLUMNS = "id, role, client_ids, allowed_origins, description, requests_per_second, burst, created_at, revoked_at";

  private static final String INSERT = """
      INSERT INTO api_keys (id, secret_hash, role, client_ids, description, requests_per_second, burst, allowed_origins)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      RETURNING """ + " " + COLUMNS;

  // A configured bootstrap key replaces the stored one when it differs. The same key, once revoked through
  // DELETE /keys/bootstrap, stays revoked across restarts: configure a new one to get in again.
  private static final String BOOTSTRAP = """
      INSERT INTO api_keys (id, secret_hash, role, description)
      VALUES ($1, $2, 'admin', 'tally.security.bootstrap-admin-key')
      ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, revoked_at = NULL, created_at = now()
       WHERE api_keys.secret_hash <> EXCLUDED.secret_hash""";

  private static final String BY_HASH = "SELECT " + COLUMNS + " FROM api_keys WHERE secret_hash = $1";

  private static final String LIST = "SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, id";

  private static final String REVOKE = "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING " + COLUMNS;

  private static final String ANY_ADMIN = "SELECT EXISTS (SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL) AS any";

  private static final String NOTIFY = "SELECT pg_notify('" + CHANNEL + "', $1)";

  @Inject Pool pool;

  public Uni<ApiKey> insert(String id, byte[] secretHash, Role role, List<String> clientIds, String description,
      Integer requestsPerSecond, Integer burst, List<String> allowedOrigins) {
    Tuple params = Tuple.tuple(Arrays.asList(id, Buffer.buffer(secretHash), role.value(),
        clientIds == null ? null : clientIds.toArray(new String[0]), description, requestsPerSecond, burst,
        allowedOrigins == null ? null : allowedOrigins.toArray(new String[0])));
    return pool.withTransaction(connection -> connection.preparedQuery(INSERT).execute(params)
            .flatMap(rows -> notify(connection, id).replaceWith(from(rows.iterator().next()))))
        .onFailure().transform(DatabaseFailures::classify);
  }

  public Uni<Void> installBootstrap(byte[] secretHash) {
    return pool.withTransaction(connection -> connection.preparedQuery(BOOTSTRAP).execute(Tuple.of(BOOTSTRAP_ID, Buffer.buffer(secretHash)))
            .flatMap(rows -> rows.rowCount() == 0 ? Uni.createFrom().voidItem() : notify(connection, BOOTSTRAP_ID)))
        .onFailure().transform(DatabaseFailures::classify);
  }

  public Uni<Optional<ApiKey>> findByHash(byte[] secretHash) {
    return pool.preparedQuery(BY_HASH).execute(Tuple.of(Buffer.buffer(secretHash)))
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(from(rows.iterator().next())));
  }

  public Uni<List<ApiKey>> list() {
    return pool.preparedQuery(LIST).execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          List<ApiKey> keys = new ArrayList<>(rows.size());
          for (Row row : rows) {
            keys.add(from(row));
          }
          return keys;
        });
  }

  /** Revokes the key (idempotent: a revoked key keeps its first revocation time); empty when there is no such key. */
  public Uni<Optional<ApiKey>> revoke(String id) {
    return pool.withTransaction(connection -> connection.preparedQuery(REVOKE).execute(Tuple.of(id))
            .flatMap(rows -> rows.size() == 0
                ? Uni.createFrom().item(Optional.<ApiKey>empty())
                : notify(connection, id).replaceWith(Optional.of(from(rows.iterator().next())))))
        .onFailure().transform(DatabaseFailures::classify);
  }

  /** Whether anyone can administer this deployment: an admin key that is not revoked. */
  public Uni<Boolean> anyActiveAdminKey() {
    return pool.preparedQuery(ANY_ADMIN).execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> rows.iterator().next().getBoolean("any"));
  }

  private static Uni<Void> notify(SqlConnection connection, String id) {
    return connection.preparedQuery(NOTIFY).execute(Tuple.of(id)).replaceWithVoid();
  }

  private static ApiKey from(Row row) {
    String[] clients = row.getArrayOfStrings("client_ids");
    String[] origins = row.getArrayOfStrings("allowed_origins");
    OffsetDateTime revoked = row.getOffsetDateTime("revoked_at");
    return new ApiKey(
        row.getString("id"),
        row.getString("role"),
        clients == null ? null : List.of(clients),
        origins == null ? null : List.of(origins),
        row.getString("description"),
        row.getInteger("requests_per_second"),
        row.getInteger("burst"),
        row.getOffsetDateTime("created_at").toInstant(),
        revoked == null ? null : revoked.toInstant());
  }
}
