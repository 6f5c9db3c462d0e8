package dev.tally.platform;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * One LISTEN connection per replica, shared by every {@link ChannelListener} (mapping and API key caches). It
 * reconnects forever with backoff; after each (re)connect every listener drops its cache, since notifications
 * sent while disconnected are lost. The listeners' TTLs bound staleness meanwhile.
 */
@ApplicationScoped
public class Notifications {

  private static final Logger LOG = Logger.getLogger(Notifications.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  @Inject Vertx vertx;
  @Inject Instance<ChannelListener> listeners;
  @Inject Pool pool;
  @Inject PoolSettings datasource;

  private PgSubscriber subscriber;

  void start(@Observes StartupEvent event) {
    subscriber = PgSubscriber.subscriber(vertx, connectOptions())
        .reconnectPolicy(Notifications::backoffMillis);
    for (ChannelListener listener : listeners) {
      subscriber.channel(listener.channel())
          .subscribeHandler(v -> {
            LOG.debugf("Listening on %s", listener.channel());
            listener.onListening();
          })
          .handler(listener::onNotification);
    }
    connect(0);
  }

  void stop(@Observes ShutdownEvent event) {
    if (subscriber != null) {
      subscriber.close();
    }
  }

  private void connect(int attempt) {
    subscriber.connect().onFailure(e -> {
      long delay = backoffMillis(attempt);
      LOG.warnf("Cannot listen for cache invalidations (%s); retrying in %d ms, cached entries expire meanwhile", e.getMessage(), delay);
      vertx.setTimer(delay, id -> connect(attempt + 1));
    });
  }

  /**
   * The wait before a retry, the same for a first connect that failed (retried here) and a lost connection
   * (retried by the subscriber's reconnect policy).
   */
  private static long backoffMillis(int retries) {
    return Math.min(MAX_BACKOFF_MILLIS, 500L * (retries + 1));
  }

  /**
   * The pool's own connect options (URL, credentials, TLS) as quarkus-reactive-pg-client built them; the pool is
   * created first, so they are there.
   */
  private PgConnectOptions connectOptions() {
    pool.size();
    return datasource.forListening()
        .orElseThrow(() -> new IllegalStateException("the reactive pool was not created by PoolSettings"));
  }
}
