package dev.tally.aggregate;

import dev.tally.platform.NotFoundException;
import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * POST /aggregates/rebuild: recomputes every client's aggregates from its events, client by client, each in its own
 * transaction under the refresh lock, so scheduled refreshes go on between clients and readers never see a client
 * half done. Progress is stored after each client (GET /aggregates/rebuilds/{id}). The repair for a materialization
 * that cannot be trusted any more (restored backup, manual edits of events with triggers disabled).
 */
@ApplicationScoped
public class AggregateRebuilder {

  private static final Logger LOG = Logger.getLogger(AggregateRebuilder.class);

  @Inject RebuildRepository rebuilds;
  @Inject AggregateRepository aggregates;
  @Inject TallyConfig config;

  /** Starts a rebuild in the background, or returns the one already running. */
  public Uni<RebuildView> start() {
    return rebuilds.start(config.aggregates().rebuildStaleAfter()).invoke(started -> {
      if (started.created()) {
        run(started.view().id());
      }
    }).map(RebuildRepository.Started::view);
  }

  public Uni<RebuildView> find(long id) {
    return rebuilds.find(id).map(found -> found.orElseThrow(() -> new NotFoundException("no rebuild " + id)));
  }

  private void run(long id) {
    rebuilds.clients()
        .call(clients -> rebuilds.total(id, clients.size()))
        .onItem().transformToMulti(clients -> Multi.createFrom().iterable(clients))
        .onItem().transformToUniAndConcatenate(client -> aggregates.rebuildClient(client, config.aggregates().refreshWaitTimeout())
            .call(events -> rebuilds.progress(id, events)))
        .collect().last()
        .call(ignored -> rebuilds.finish(id, "succeeded", null))
        .onFailure().call(failure -> rebuilds.finish(id, "failed", failure.toString()))
        .subscribe().with(
            done -> LOG.infof("Aggregates rebuild %d finished", id),
            failure -> LOG.errorf("Aggregates rebuild %d failed: %s", id, failure.toString()));
  }
}
