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
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long a request can wait for PostgreSQL: a full wait queue or a slow acquisition fails fast
 * (and becomes 503) instead of letting requests pile up while the database is away.
 */
@ApplicationScoped
public class PoolSettings implements PgPoolCreator {

  @Inject TallyConfig config;

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
    return PgBuilder.pool()
        .with(pool)
        .connectingTo(servers)
        .using(input.vertx())
        .build();
  }
}
