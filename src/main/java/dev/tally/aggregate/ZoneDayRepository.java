package dev.tally.aggregate;

import dev.tally.platform.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the listed zones' pre-rolled days (V18): the zones table, and the fill of one client's days of a zone. Every
 * write runs under the refresh lock, so it never interleaves with a refresh rolling up the same days.
 */
@ApplicationScoped
public class ZoneDayRepository {

  private static final String LISTED = "SELECT zone, ready FROM aggregate_zones ORDER BY zone";
  private static final String ADD = "INSERT INTO aggregate_zones (zone, hourly) SELECT * FROM unnest($1::text[], $2::boolean[]) "
      + "ON CONFLICT (zone) DO NOTHING";
  // No index leads with zone: dropping one scans the days of every zone. It happens once, at the first start after
  // the operator took the zone off the list.
  private static final String DROP_DAYS = "DELETE FROM aggregate_zone_days WHERE zone = ANY($1)";
  private static final String DROP = "DELETE FROM aggregate_zones WHERE zone = ANY($1)";
  // A no-op when the zone was dropped meanwhile (by a replica started with another list).
  private static final String FILL = "SELECT aggregate_fill_zone(zone, hourly, $2) FROM aggregate_zones WHERE zone = $1";
  private static final String READY = "UPDATE aggregate_zones SET ready = true WHERE zone = $1";

  @Inject Pool pool;
  @Inject AggregateRepository aggregates;

  /** The zones in the table and whether each is ready. */
  public Uni<Map<String, Boolean>> listed() {
    return pool.preparedQuery(LISTED).execute()
        .onFailure().transform(DatabaseFailures::classify)
        .map(rows -> {
          Map<String, Boolean> zones = new LinkedHashMap<>();
          for (Row row : rows) {
            zones.put(row.getString("zone"), row.getBoolean("ready"));
          }
          return zones;
        });
  }

  /** Adds the zones not in the table yet (not ready) and drops {@code dropped} with their days, in one transaction. */
  public Uni<Void> list(List<String> added, List<Boolean> hourly, List<String> dropped, Duration waitFor) {
    return aggregates.underRefreshLock(waitFor, connection -> connection.preparedQuery(ADD)
        .execute(Tuple.of(added.toArray(new String[0]), hourly.toArray(new Boolean[0])))
        .flatMap(ignored -> dropped.isEmpty()
            ? Uni.createFrom().voidItem()
            : connection.preparedQuery(DROP_DAYS).execute(Tuple.of((Object) dropped.toArray(new String[0])))
                .flatMap(none -> connection.preparedQuery(DROP).execute(Tuple.of((Object) dropped.toArray(new String[0]))))
                .replaceWithVoid()));
  }

  /** Recomputes one client's days of {@code zone} from its hours or buckets. */
  public Uni<Void> fill(String zone, String clientId, Duration waitFor) {
    return aggregates.underRefreshLock(waitFor, connection -> connection.preparedQuery(FILL).execute(Tuple.of(zone, clientId)).replaceWithVoid());
  }

  public Uni<Void> ready(String zone) {
    return pool.preparedQuery(READY).execute(Tuple.of(zone))
        .onFailure().transform(DatabaseFailures::classify)
        .replaceWithVoid();
  }
}
