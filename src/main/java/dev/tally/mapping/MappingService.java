package dev.tally.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.normalize.Mapping;
import dev.tally.platform.InvalidRequestException;
import dev.tally.platform.NotFoundException;
import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Saves and serves client mappings. The pipeline asks for the mapping of every event, so mappings (and the
 * absence of one) are cached per replica; a saved version invalidates the entry on every replica through
 * NOTIFY ({@link MappingChanges}), and a TTL bounds staleness should a notification be lost.
 */
@ApplicationScoped
public class MappingService {

  private record Cached(Mapping mapping, long expiresAtNanos) {}

  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  /** Bumped by every invalidation; a lookup that raced one does not cache what it read. */
  private final AtomicLong generation = new AtomicLong();

  @Inject MappingRepository repository;
  @Inject TallyConfig config;

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
    long now = System.nanoTime();
    for (String clientId : clientIds) {
      Cached cached = cache.get(clientId);
      if (cached != null && now - cached.expiresAtNanos() < 0) {
        found.put(clientId, cached.mapping());
      } else {
        missing.add(clientId);
      }
    }
    if (missing.isEmpty()) {
      return Uni.createFrom().item(found);
    }
    long before = generation.get();
    return repository.current(missing).map(versions -> {
      boolean cacheable = generation.get() == before;
      long expires = System.nanoTime() + config.mappings().cacheTtl().toNanos();
      if (cacheable && cache.size() + missing.size() > config.mappings().cacheMaxEntries()) {
        cache.clear();
      }
      for (String clientId : missing) {
        MappingVersion version = versions.get(clientId);
        Mapping mapping = version == null ? Mapping.DEFAULT : version.definition().compile(version.version());
        found.put(clientId, mapping);
        if (cacheable) {
          cache.put(clientId, new Cached(mapping, expires));
        }
      }
      return found;
    });
  }

  void invalidate(String clientId) {
    generation.incrementAndGet();
    cache.remove(clientId);
  }

  void invalidateAll() {
    generation.incrementAndGet();
    cache.clear();
  }
}
