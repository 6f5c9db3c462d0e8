package dev.tally.security;

import dev.tally.platform.TallyConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per key, on this replica only: N replicas let a key make up to N times the configured rate.
 * Buckets refill continuously at requestsPerSecond up to burst.
 */
@ApplicationScoped
public class RateLimiter {

  @Inject TallyConfig config;

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** 0 when the request may proceed; otherwise the whole seconds until the key has a token again (Retry-After). */
  public long acquire(ApiKey key) {
    TallyConfig.RateLimit limits = config.security().rateLimit();
    if (!limits.enabled()) {
      return 0;
    }
    int rate = key.requestsPerSecond() != null ? key.requestsPerSecond() : limits.requestsPerSecond();
    int burst = key.burst() != null ? key.burst() : limits.burst();
    Bucket bucket = buckets.get(key.id());
    if (bucket == null) {
      // Only a key's first request builds the (capturing) factory.
      bucket = buckets.computeIfAbsent(key.id(), id -> new Bucket(burst));
    }
    return bucket.take(rate, burst, System.nanoTime());
  }

  static final class Bucket {
    private double tokens;
    private long refilledAt;

    Bucket(int burst) {
      this.tokens = burst;
      this.refilledAt = System.nanoTime();
    }

    synchronized long take(int rate, int burst, long now) {
      tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * rate);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / rate));
    }
  }
}
