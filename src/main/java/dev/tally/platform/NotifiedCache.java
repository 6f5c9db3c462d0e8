package dev.tally.platform;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A replica-local cache of database lookups that other replicas invalidate through NOTIFY (see
 * {@link ChannelListener}): entries live at most a TTL (bounding staleness should a notification be lost), the
 * cache starts over when full (sprayed unknown keys must not grow it without bound), and a lookup that was in
 * flight while an invalidation happened is not cached, since it may have read the row before the change.
 *
 * <p>Usage: take {@link #generation()} before the lookup, pass it to {@link #put} with the answer.
 */
public final class NotifiedCache<K, V> {

  private record Entry<V>(V value, long expiresAtNanos) {}

  private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private final Supplier<Duration> ttl;
  private final IntSupplier maxEntries;

  /** The settings are read at each put, so a bean can create the cache before its configuration is injected. */
  public NotifiedCache(Supplier<Duration> ttl, IntSupplier maxEntries) {
    this.ttl = ttl;
    this.maxEntries = maxEntries;
  }

  /** The cached value; null when there is none or it expired. */
  public V get(K key) {
    Entry<V> entry = entries.get(key);
    return entry != null && System.nanoTime() - entry.expiresAtNanos() < 0 ? entry.value() : null;
  }

  /** Take it before a lookup and hand it to {@link #put} with the lookup's answer. */
  public long generation() {
    return generation.get();
  }

  /** Caches {@code value} (not null) read by a lookup that started at {@code seen}, unless an invalidation came since. */
  public void put(K key, V value, long seen) {
    if (entries.size() >= maxEntries.getAsInt()) {
      entries.clear();
    }
    Entry<V> entry = new Entry<>(value, System.nanoTime() + ttl.get().toNanos());
    entries.put(key, entry);
    // Checked after the put: an invalidation either came before this check (the entry goes) or clears it itself.
    if (generation.get() != seen) {
      entries.remove(key, entry);
    }
  }

  public void invalidate(K key) {
    generation.incrementAndGet();
    entries.remove(key);
  }

  public void invalidateAll() {
    generation.incrementAndGet();
    entries.clear();
  }
}
