package dev.tally.security;

import dev.tally.platform.ChannelListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * New and revoked keys arrive on PostgreSQL's NOTIFY channel; the whole lookup cache goes, since it also holds
 * "unknown" answers that a new key turns wrong.
 */
@ApplicationScoped
public class KeyChanges implements ChannelListener {

  @Inject ApiKeyService keys;

  @Override
  public String channel() {
    return ApiKeyRepository.CHANNEL;
  }

  @Override
  public void onNotification(String keyId) {
    keys.invalidateAll();
  }

  @Override
  public void onListening() {
    keys.invalidateAll();
  }
}
