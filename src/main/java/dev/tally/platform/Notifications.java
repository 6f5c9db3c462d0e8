package dev.tally.platform;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
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
  @Inject Config config;

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

  /** The same database as the pool: the reactive URL and credentials of the default datasource. */
  private PgConnectOptions connectOptions() {
    String url = config.getValue("quarkus.datasource.reactive.url", String.class).split(",")[0].strip();
    PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url);
    Optional<String> user = config.getOptionalValue("quarkus.datasource.username", String.class);
    Optional<String> password = config.getOptionalValue("quarkus.datasource.password", String.class);
    user.ifPresent(options::setUser);
    password.ifPresent(options::setPassword);
    return options;
  }
}
