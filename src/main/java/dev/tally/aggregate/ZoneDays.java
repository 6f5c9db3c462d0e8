package dev.tally.aggregate;

import dev.tally.platform.BadRequestException;
import dev.tally.platform.TallyConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Keeps the days of the zones in {@code tally.aggregates.day-zones} pre-rolled (V18). On the first tick after start it
 * lists the configured zones in the database and drops those no longer configured; every tick it fills, client by
 * client under the refresh lock, the listed zones not complete yet, and reads which are complete: GET uses the pre-rolled
 * days of those (and checks the zone is still complete in its own snapshot).
 */
@ApplicationScoped
public class ZoneDays {

  private static final Logger LOG = Logger.getLogger(ZoneDays.class);

  @Inject ZoneDayRepository repository;
  @Inject RebuildRepository rebuilds;
  @Inject TallyConfig config;

  private final AtomicBoolean working = new AtomicBoolean();
  private volatile List<ZoneId> configured = List.of();
  private volatile boolean listed;
  private volatile Set<String> complete = Set.of();

  /** A zone in the list that is not an IANA zone Tally can bucket exactly stops the start, naming it. */
  void start(@Observes StartupEvent event) {
    configured = configured(config.aggregates().dayZones().orElse(List.of()));
    if (!configured.isEmpty()) {
      LOG.infof("Days pre-rolled in %s (tally.aggregates.day-zones)", configured);
    }
  }

  static List<ZoneId> configured(List<String> names) {
    Set<ZoneId> zones = new LinkedHashSet<>();
    for (String name : names) {
      if (name.isBlank()) {
        continue;
      }
      ZoneId zone;
      try {
        zone = AggregateQuery.zone(name);
      } catch (BadRequestException e) {
        throw new IllegalStateException("tally.aggregates.day-zones: \"" + name.strip() + "\" is not an IANA time zone"
            + " whose offsets are multiples of 15 minutes, such as Asia/Kolkata or America/New_York");
      }
      if (!zone.equals(ZoneOffset.UTC)) {
        zones.add(zone);
      }
    }
    return List.copyOf(zones);
  }

  /** Whether GET can read {@code zone}'s days pre-rolled: configured here and complete. */
  public boolean preRolled(ZoneId zone) {
    return complete.contains(zone.getId());
  }

  @Scheduled(every = "${tally.aggregates.refresh-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  Uni<Void> maintain() {
    if (configured.isEmpty() && listed || !working.compareAndSet(false, true)) {
      return Uni.createFrom().voidItem();
    }
    return (listed ? Uni.createFrom().voidItem() : list())
        .flatMap(ignored -> repository.listed())
        .flatMap(this::fillIncomplete)
        .onFailure().invoke(e -> LOG.warnf("Pre-rolled zone days: %s; retrying next interval", e.toString()))
        .onFailure().recoverWithNull()
        .eventually(() -> working.set(false))
        .replaceWithVoid();
  }

  private Uni<Void> list() {
    return repository.listed().flatMap(inTable -> {
      List<String> names = configured.stream().map(ZoneId::getId).toList();
      List<Boolean> hourly = configured.stream().map(Zones::wholeHourOffsets).toList();
      List<String> dropped = inTable.keySet().stream().filter(zone -> !names.contains(zone)).toList();
      if (!dropped.isEmpty()) {
        LOG.infof("Dropping the pre-rolled days of %s (no longer in tally.aggregates.day-zones)", dropped);
      }
      return repository.list(names, hourly, dropped, config.aggregates().refreshWaitTimeout());
    }).invoke(() -> listed = true);
  }

  private Uni<Void> fillIncomplete(Map<String, Boolean> inTable) {
    List<String> incomplete = new ArrayList<>();
    Set<String> ready = new LinkedHashSet<>();
    for (ZoneId zone : configured) {
      Boolean state = inTable.get(zone.getId());
      if (Boolean.TRUE.equals(state)) {
        ready.add(zone.getId());
      } else if (state != null) {
        incomplete.add(zone.getId());
      }
    }
    complete = Set.copyOf(ready);
    if (incomplete.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return Multi.createFrom().iterable(incomplete)
        .onItem().transformToUniAndConcatenate(this::fill)
        .collect().last()
        .replaceWithVoid();
  }

  /** Fills every client's days of {@code zone}, then marks it complete. */
  private Uni<Void> fill(String zone) {
    long started = System.nanoTime();
    return rebuilds.clients()
        .flatMap(clients -> Multi.createFrom().iterable(clients)
            .onItem().transformToUniAndConcatenate(client -> repository.fill(zone, client, config.aggregates().refreshWaitTimeout()))
            .collect().last()
            .replaceWith(clients.size()))
        .call(() -> repository.ready(zone))
        .invoke(clients -> {
          Set<String> ready = new LinkedHashSet<>(complete);
          ready.add(zone);
          complete = Set.copyOf(ready);
          LOG.infof("Days in %s pre-rolled for %d clients in %d ms", zone, clients, (System.nanoTime() - started) / 1_000_000);
        })
        .replaceWithVoid();
  }
}
