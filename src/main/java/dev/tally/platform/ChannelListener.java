package dev.tally.platform;

/**
 * A replica-local cache that other replicas invalidate through PostgreSQL's LISTEN/NOTIFY. Implement it as a
 * bean; {@link Notifications} listens on every implementation's channel over one connection.
 */
public interface ChannelListener {

  /** The NOTIFY channel. */
  String channel();

  /** A notification arrived with this payload. */
  void onNotification(String payload);

  /** Listening (again) after a connect: notifications sent while disconnected are lost, so drop everything. */
  void onListening();
}
