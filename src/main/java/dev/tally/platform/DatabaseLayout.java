package dev.tally.platform;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Whether Tally's tables are distributed by Citus (V14, docs/citus.md) or plain PostgreSQL tables. The few statements
 * that differ between the two layouts ask here; the answer is looked up once, on first use, and kept (the layout is
 * a migration's doing, and Tally never runs while it changes).
 */
@ApplicationScoped
public class DatabaseLayout {

  private static final String CITUS = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')";
  // Only asked where the extension exists: pg_dist_partition is Citus' catalog.
  private static final String DISTRIBUTED =
      "SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'raw_events'::regclass)";

  @Inject Pool pool;

  private volatile Boolean distributed;

  /** True when raw_events and the tables colocated with it are distributed by client_id. */
  public Uni<Boolean> distributed() {
    Boolean known = distributed;
    if (known != null) {
      return Uni.createFrom().item(known);
    }
    return pool.query(CITUS).execute()
        .flatMap(rows -> rows.iterator().next().getBoolean(0)
            ? pool.query(DISTRIBUTED).execute().map(d -> d.iterator().next().getBoolean(0))
            : Uni.createFrom().item(false))
        .invoke(answer -> distributed = answer);
  }
}
