package dev.tally.mapping;

import dev.tally.platform.ChannelListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Saved mappings arrive on PostgreSQL's NOTIFY channel and are dropped from this replica's cache. */
@ApplicationScoped
public class MappingChanges implements ChannelListener {

  @Inject MappingService mappings;

  @Override
  public String channel() {
    return MappingRepository.CHANNEL;
  }

  @Override
  public void onNotification(String clientId) {
    mappings.invalidate(clientId);
  }

  @Override
  public void onListening() {
    mappings.invalidateAll();
  }
}
