package dev.tally.aggregate;

import dev.tally.platform.TallyConfig;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * Reports asOf and lag under /q/health and /q/health/well. A wellness check, not readiness: stale aggregates
 * are no reason to stop a replica from ingesting, nor to restart it. DOWN only after
 * {@code tally.aggregates.failures-before-down} failed refresh intervals in a row, so one blip does not page. The
 * consistency check's findings are details: a differing bucket is repaired by the next refresh, and the metric
 * tally_aggregates_consistency_inconsistent_total is what to alert on.
 */
@Wellness
@ApplicationScoped
public class AggregatesHealth implements HealthCheck {

  @Inject RefreshStatus status;
  @Inject TallyConfig config;
  @Inject Clock clock;

  @Override
  public HealthCheckResponse call() {
    RefreshStatus.Snapshot snapshot = status.snapshot();
    int failuresBeforeDown = config.aggregates().failuresBeforeDown();
    HealthCheckResponseBuilder response = HealthCheckResponse.named("aggregates")
        .status(snapshot.healthy(failuresBeforeDown))
        .withData("consecutiveFailures", snapshot.consecutiveFailures())
        .withData("failuresBeforeDown", failuresBeforeDown);
    if (snapshot.state() != null) {
      Duration lag = snapshot.lag(clock.instant());
      response.withData("asOf", snapshot.state().asOf().toString())
          .withData("lagSeconds", Math.max(0, lag.toSeconds()))
          .withData("generation", snapshot.state().generation());
    }
    if (snapshot.lastCheck() != null) {
      response.withData("consistencyCheckedAt", snapshot.lastCheck().toString())
          .withData("inconsistentBuckets", snapshot.lastCheckInconsistent());
    }
    if (snapshot.lastInconsistency() != null) {
      response.withData("lastInconsistency", snapshot.lastInconsistency());
    }
    if (snapshot.lastFailure() != null) {
      response.withData("lastFailure", snapshot.lastFailure());
    }
    return response.build();
  }
}
