package dev.tally.security;

import dev.tally.normalize.Normalizer;
import dev.tally.normalize.Quote;
import dev.tally.platform.InvalidRequestException;
import dev.tally.platform.NotFoundException;
import dev.tally.platform.NotifiedCache;
import dev.tally.platform.TallyConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Creates, lists and revokes keys, and answers "which key is this secret?" from a per-replica cache. Every
 * change clears the cache of every replica through NOTIFY ({@link KeyChanges}); tally.security.key-cache-ttl
 * bounds staleness should a notification be lost.
 */
@ApplicationScoped
public class ApiKeyService {

  private static final Logger LOG = Logger.getLogger(ApiKeyService.class);
  private static final int MAX_DESCRIPTION_LENGTH = 500;
  private static final int MAX_CLIENTS = 1000;
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  private static final String NO_ADMIN_KEY = "Nobody can administer this deployment: no admin key is configured "
      + "(tally.security.bootstrap-admin-key) and the database holds no admin key that is not revoked, so no API key "
      + "can be created, listed or revoked. To create one, set TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY to a long random "
      + "secret (e.g. the output of: openssl rand -hex 32) and restart; with it as \"Authorization: Bearer <secret>\", "
      + "create keys with POST /keys (your own admin key: {\"role\":\"admin\"}), then revoke the bootstrap key with "
      + "DELETE /keys/bootstrap and remove the variable.";

  @Inject ApiKeyRepository repository;
  @Inject TallyConfig config;

  private final Secrets secrets = new Secrets();
  private final NotifiedCache<String, Optional<ApiKey>> cache = new NotifiedCache<>(
      () -> config.security().keyCacheTtl(), () -> config.security().keyCacheMaxEntries());

  void start(@Observes StartupEvent event) {
    TallyConfig.Security security = config.security();
    if (!security.enabled()) {
      LOG.warn("SECURITY IS DISABLED (tally.security.enabled=false): anyone who can reach this service can write events "
          + "as any client, read every client's data and change mappings. Never run it like this where untrusted "
          + "clients can connect.");
      return;
    }
    Optional<String> bootstrap = security.bootstrapAdminKey().filter(key -> !key.isBlank());
    if (bootstrap.isEmpty()) {
      checkAdminAccess();
      return;
    }
    try {
      // Startup may block, briefly: requests must not race the key they are sent with.
      repository.installBootstrap(Secrets.hash(bootstrap.get())).await().atMost(STARTUP_TIMEOUT);
      LOG.info("Bootstrap admin key installed (id \"" + ApiKeyRepository.BOOTSTRAP_ID + "\", hash only)");
    } catch (RuntimeException e) {
      LOG.errorf("Cannot install the bootstrap admin key (%s); requests with it are refused until it is installed by a restart",
          e.getMessage());
    }
  }

  /**
   * Without a bootstrap key, a deployment whose database holds no admin key cannot be administered at all (no key
   * can be created, listed or revoked) — and nothing else would tell the operator so until a first request is
   * refused. Startup may block briefly; a database that cannot answer leaves only a warning.
   */
  private void checkAdminAccess() {
    try {
      if (!repository.anyActiveAdminKey().await().atMost(STARTUP_TIMEOUT)) {
        LOG.error(NO_ADMIN_KEY);
      }
    } catch (RuntimeException e) {
      LOG.warnf("Cannot check for an admin key (%s); without tally.security.bootstrap-admin-key and without one "
          + "stored, nobody can administer this deployment", e.getMessage());
    }
  }

  public Uni<CreatedKey> create(KeyRequest request) {
    Validated valid = validate(request);
    String secret = secrets.newSecret();
    return repository.insert(secrets.newId(), Secrets.hash(secret), valid.role(), valid.clientIds(), request.description(),
            request.requestsPerSecond(), request.burst(), valid.allowedOrigins())
        .invoke(this::invalidateAll)
        .map(stored -> CreatedKey.of(stored, secret));
  }

  public Uni<ApiKeyList> list() {
    return repository.list().map(ApiKeyList::new);
  }

  public Uni<ApiKey> revoke(String id) {
    return repository.revoke(id)
        .invoke(this::invalidateAll)
        .map(revoked -> revoked.orElseThrow(() -> new NotFoundException("no API key with id " + id)));
  }

  /** The key this secret belongs to, if any (revoked keys included: the caller decides). */
  public Uni<Optional<ApiKey>> find(String secret) {
    byte[] hash = Secrets.hash(secret);
    String cacheKey = HexFormat.of().formatHex(hash);
    Optional<ApiKey> cached = cache.get(cacheKey);
    if (cached != null) {
      return Uni.createFrom().item(cached);
    }
    long seen = cache.generation();
    return repository.findByHash(hash).invoke(found -> cache.put(cacheKey, found, seen));
  }

  void invalidateAll() {
    cache.invalidateAll();
  }

  private record Validated(Role role, List<String> clientIds, List<String> allowedOrigins) {}

  private static Validated validate(KeyRequest request) {
    List<String> errors = new ArrayList<>();
    if (request == null) {
      throw new InvalidRequestException("the body must be a JSON object such as {\"role\":\"ingest\",\"clientIds\":[\"client_A\"]}", List.of());
    }
    Optional<Role> role = Role.parse(request.role());
    if (role.isEmpty()) {
      errors.add("role must be one of ingest, read, admin but is " + Quote.quoted(request.role()));
    }
    List<String> clients = request.clientIds();
    if (clients != null) {
      if (clients.size() > MAX_CLIENTS) {
        errors.add("clientIds holds more than " + MAX_CLIENTS + " clients");
      }
      for (String client : clients) {
        if (!Normalizer.isClientId(client)) {
          errors.add("clientId " + Quote.quoted(client) + " is not 1-128 characters of A-Z a-z 0-9 . _ : -");
        }
      }
      clients = List.copyOf(clients.stream().distinct().toList());
    }
    boolean all = Boolean.TRUE.equals(request.allClients());
    if (role.isPresent()) {
      switch (role.get()) {
        case INGEST -> {
          if (clients == null || clients.size() != 1 || all) {
            errors.add("an ingest key is bound to exactly one client: give clientIds with one entry");
          }
        }
        case READ -> {
          if (all == (clients != null && !clients.isEmpty())) {
            errors.add("a read key needs either clientIds (the clients it may read) or allClients: true, not both");
          }
          if (all) {
            clients = null;
          }
        }
        case ADMIN -> {
          if (clients != null || all) {
            errors.add("an admin key reaches every client; give no clientIds or allClients");
          }
        }
      }
    }
    List<String> origins = null;
    if (request.allowedOrigins() != null) {
      if (role.isPresent() && role.get() != Role.INGEST) {
        errors.add("allowedOrigins is for ingest keys (the keys a web page may carry); a " + role.get().value()
            + " key is never sent from a browser");
      }
      Origins.Checked checked = Origins.check(request.allowedOrigins());
      errors.addAll(checked.errors());
      origins = checked.origins();
    }
    if (request.description() != null && request.description().length() > MAX_DESCRIPTION_LENGTH) {
      errors.add("description is longer than " + MAX_DESCRIPTION_LENGTH + " characters");
    }
    if (request.requestsPerSecond() != null && request.requestsPerSecond() < 1) {
      errors.add("requestsPerSecond must be at least 1");
    }
    if (request.burst() != null && request.burst() < 1) {
      errors.add("burst must be at least 1");
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException("the key request is invalid; nothing was created", errors);
    }
    return new Validated(role.orElseThrow(), clients, origins);
  }
}
