package dev.tally.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** TTL, size bound, invalidation, and the lookup that raced an invalidation. */
class NotifiedCacheTest {

  private static NotifiedCache<String, String> cache(Duration ttl, int maxEntries) {
    return new NotifiedCache<>(() -> ttl, () -> maxEntries);
  }

  @Test
  void aValueIsServedUntilItsTtlRunsOut() {
    NotifiedCache<String, String> live = cache(Duration.ofHours(1), 10);
    live.put("a", "1", live.generation());
    assertThat(live.get("a")).isEqualTo("1");

    NotifiedCache<String, String> expired = cache(Duration.ZERO, 10);
    expired.put("a", "1", expired.generation());
    assertThat(expired.get("a")).isNull();
  }

  @Test
  void aFullCacheStartsOver() {
    NotifiedCache<String, String> cache = cache(Duration.ofHours(1), 2);
    cache.put("a", "1", cache.generation());
    cache.put("b", "2", cache.generation());
    cache.put("c", "3", cache.generation());
    assertThat(cache.get("a")).isNull();
    assertThat(cache.get("b")).isNull();
    assertThat(cache.get("c")).isEqualTo("3");
  }

  @Test
  void invalidationDropsOneOrEveryEntry() {
    NotifiedCache<String, String> cache = cache(Duration.ofHours(1), 10);
    cache.put("a", "1", cache.generation());
    cache.put("b", "2", cache.generation());
    cache.invalidate("a");
    assertThat(cache.get("a")).isNull();
    assertThat(cache.get("b")).isEqualTo("2");
    cache.invalidateAll();
    assertThat(cache.get("b")).isNull();
  }

  @Test
  void aLookupThatRacedAnInvalidationIsNotCached() {
    NotifiedCache<String, String> cache = cache(Duration.ofHours(1), 10);
    long seen = cache.generation();
    cache.invalidate("other"); // any invalidation: the lookup may have read a row from before the change
    cache.put("a", "stale", seen);
    assertThat(cache.get("a")).isNull();
  }
}
