package dev.tally.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The per-replica key cache: an answer read before a key change must not outlive the change. */
class ApiKeyCacheTest {

  private static final ApiKey KEY = new ApiKey("key_000000000001", "ingest", List.of("client_A"), null, null, null, null,
      Instant.parse("2026-01-01T00:00:00Z"), null);

  /** A repository whose lookups the test completes by hand. */
  private static final class PendingLookups extends ApiKeyRepository {
    final List<CompletableFuture<Optional<ApiKey>>> lookups = new ArrayList<>();

    @Override
    public Uni<Optional<ApiKey>> findByHash(byte[] secretHash) {
      CompletableFuture<Optional<ApiKey>> lookup = new CompletableFuture<>();
      lookups.add(lookup);
      return Uni.createFrom().completionStage(lookup);
    }
  }

  @Test
  void aLookupInFlightDuringAnInvalidationIsNotCached() {
    PendingLookups repository = new PendingLookups();
    ApiKeyService service = service(repository);

    CompletableFuture<Optional<ApiKey>> answer = service.find("tally_secret").subscribeAsCompletionStage();
    service.invalidateAll(); // the key was revoked while the lookup was under way
    repository.lookups.get(0).complete(Optional.of(KEY));
    assertThat(answer.join()).contains(KEY);

    service.find("tally_secret").subscribeAsCompletionStage();
    assertThat(repository.lookups).as("the next request looks the key up again").hasSize(2);
  }

  @Test
  void aLookupIsCachedWhenNothingChanged() {
    PendingLookups repository = new PendingLookups();
    ApiKeyService service = service(repository);

    service.find("tally_secret").subscribeAsCompletionStage();
    repository.lookups.get(0).complete(Optional.of(KEY));
    assertThat(service.find("tally_secret").subscribeAsCompletionStage().join()).contains(KEY);
    assertThat(repository.lookups).hasSize(1);
  }

  private static ApiKeyService service(ApiKeyRepository repository) {
    ApiKeyService service = new ApiKeyService();
    service.repository = repository;
    service.config = stub(TallyConfig.class, "security", stub(TallyConfig.Security.class,
        "keyCacheTtl", Duration.ofHours(1), "keyCacheMaxEntries", 10_000));
    return service;
  }

  /** An implementation of a config interface answering the named methods; anything else is a test bug. */
  private static <T> T stub(Class<T> type, Object... answers) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      for (int i = 0; i < answers.length; i += 2) {
        if (answers[i].equals(method.getName())) {
          return answers[i + 1];
        }
      }
      throw new UnsupportedOperationException(method.getName());
    }));
  }
}
