package dev.tally.platform;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long a request can wait for PostgreSQL: a full wait queue or a slow acquisition fails fast
 * (and becomes 503) instead of letting requests pile up while the database is away.
 *
 * <p>It also keeps a copy of the connect options quarkus-reactive-pg-client built from every
 * {@code quarkus.datasource.*} setting (URL, credentials, TLS mode and trust material, pipelining) for the one
 * connection Tally opens outside the pool: {@link Notifications}' LISTEN connection. Rebuilt from the URL alone,
 * that connection would lose the TLS settings, and a deployment that requires TLS would never be notified (key
 * revocation would fall back to the cache TTL). With a {@code quarkus.datasource.credentials-provider}, the
 * credentials are those the provider gave at startup, for the pool as for this connection.
 */
@ApplicationScoped
public class PoolSettings implements PgPoolCreator {

  /** The metrics name of the LISTEN connection: client type postgresql, client name "listen". */
  static final String LISTEN_METRICS_NAME = "postgresql|listen";

  @Inject TallyConfig config;

  private volatile List<PgConnectOptions> servers = List.of();

  @Override
  public Pool create(Input input) {
    TallyConfig.Database db = config.database();
    PoolOptions pool = new PoolOptions(input.poolOptions())
        .setMaxWaitQueueSize(db.maxWaitQueueSize())
        .setConnectionTimeout((int) db.acquisitionTimeout().toMillis())
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
    List<SqlConnectOptions> servers = new ArrayList<>();
    for (PgConnectOptions options : input.pgConnectOptionsList()) {
      options.setConnectTimeout((int) db.connectTimeout().toMillis());
      servers.add(options);
    }
    this.servers = input.pgConnectOptionsList().stream().map(PgConnectOptions::new).toList();
    return PgBuilder.pool()
        .with(pool)
        .connectingTo(servers)
        .using(input.vertx())
        .build();
  }

  /** A copy of the pool's connect options (its first server's), for a connection of its own; empty before the pool exists. */
  public Optional<PgConnectOptions> forListening() {
    return servers.stream().findFirst().map(first -> new PgConnectOptions(first).setMetricsName(LISTEN_METRICS_NAME));
  }
}
