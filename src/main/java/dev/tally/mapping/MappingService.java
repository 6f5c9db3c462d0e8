package dev.tally.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.normalize.Mapping;
import dev.tally.platform.InvalidRequestException;
import dev.tally.platform.NotFoundException;
import dev.tally.platform.NotifiedCache;
import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Saves and serves client mappings. The pipeline asks for the mapping of every event, so mappings (and the
 * absence of one) are cached per replica; a saved version invalidates the entry on every replica through
 * NOTIFY ({@link MappingChanges}), and a TTL bounds staleness should a notification be lost.
 */
@ApplicationScoped
public class MappingService {

  @Inject MappingRepository repository;
  @Inject TallyConfig config;

  /** Per client: its compiled mapping, or {@link Mapping#DEFAULT} when it has none. */
  private final NotifiedCache<String, Mapping> cache =
      new NotifiedCache<>(() -> config.mappings().cacheTtl(), () -> config.mappings().cacheMaxEntries());

  public Uni<MappingRepository.Saved> save(String clientId, JsonNode body) {
    MappingValidator.Result result = MappingValidator.validate(body);
    if (result instanceof MappingValidator.Invalid invalid) {
      throw new InvalidRequestException("the mapping definition is invalid; nothing was stored", invalid.errors());
    }
    MappingDefinition definition = ((MappingValidator.Valid) result).definition();
    return repository.save(clientId, definition).invoke(saved -> invalidate(clientId));
  }

  public Uni<MappingVersion> current(String clientId) {
    return repository.current(clientId).map(found -> found.orElseThrow(
        () -> new NotFoundException("client " + clientId + " has no mapping; its events follow the default rules")));
  }

  public Uni<MappingVersions> versions(String clientId) {
    return repository.versions(clientId).map(versions -> new MappingVersions(clientId, versions));
  }

  /** The mapping each client's events are normalized with now ({@link Mapping#DEFAULT} when it has none). */
  public Uni<Map<String, Mapping>> mappingsFor(Collection<String> clientIds) {
    Map<String, Mapping> found = new HashMap<>();
    Set<String> missing = new HashSet<>();
    for (String clientId : clientIds) {
      Mapping cached = cache.get(clientId);
      if (cached != null) {
        found.put(clientId, cached);
      } else {
        missing.add(clientId);
      }
    }
    if (missing.isEmpty()) {
      return Uni.createFrom().item(found);
    }
    long seen = cache.generation();
    return repository.current(missing).map(versions -> {
      for (String clientId : missing) {
        MappingVersion version = versions.get(clientId);
        Mapping mapping = version == null ? Mapping.DEFAULT : version.definition().compile(version.version());
        found.put(clientId, mapping);
        cache.put(clientId, mapping, seen);
      }
      return found;
    });
  }

  void invalidate(String clientId) {
    cache.invalidate(clientId);
  }

  void invalidateAll() {
    cache.invalidateAll();
  }
}
