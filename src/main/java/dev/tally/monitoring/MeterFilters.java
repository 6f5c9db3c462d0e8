package dev.tally.monitoring;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;

/**
 * How Tally's meters are published, picked up by quarkus-micrometer: latencies as Prometheus histograms with fixed
 * buckets (so percentiles can be computed across replicas with {@code histogram_quantile(sum by (le) ...)}, which
 * per-replica summaries cannot), and two per-connection gauges dropped.
 */
public class MeterFilters {

  /** Latency bucket bounds in seconds: from a fast single insert to a request deadline. */
  static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

  /** HTTP server requests, every database statement, a group's wait, an aggregate refresh. */
  static final Set<String> LATENCY_HISTOGRAMS = Set.of(
      "http.server.requests", "postgresql.processing", "tally.ingest.group.wait", "tally.aggregates.refresh");

  /**
   * Gauges the Vert.x SQL client registers once per physical connection under one name and tags: Micrometer keeps
   * the first connection's and warns about the rest ("This Gauge has been already registered"), so the published
   * value describes one arbitrary connection. The pool's own gauges ({@code sql_pool_*}: active, idle, queue size)
   * describe all of them and stay.
   */
  static final Set<String> PER_CONNECTION_GAUGES = Set.of("postgresql.queue.size", "postgresql.current");

  @Produces
  @Singleton
  MeterFilter latencyHistograms() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (!LATENCY_HISTOGRAMS.contains(id.getName())) {
          return config;
        }
        double[] bounds = new double[LATENCY_BUCKETS.length];
        for (int i = 0; i < bounds.length; i++) {
          bounds[i] = LATENCY_BUCKETS[i].toNanos();
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(bounds).build().merge(config);
      }
    };
  }

  @Produces
  @Singleton
  MeterFilter perConnectionGauges() {
    return MeterFilter.deny(id -> PER_CONNECTION_GAUGES.contains(id.getName()));
  }
}
