package dev.tally.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every Tally setting. Each one can also be given as an environment variable (TALLY_INGEST_MAX_BODY_BYTES, ...). */
@ConfigMapping(prefix = "tally")
public interface TallyConfig {

  Ingest ingest();

  Normalize normalize();

  Recovery recovery();

  Database database();

  Inspection inspection();

  Mappings mappings();

  Replay replay();

  Aggregates aggregates();

  Outcomes outcomes();

  Security security();

  Metrics metrics();

  Browser browser();

  interface Ingest {
    /** Largest accepted request body in bytes; a larger body is answered 413 and nothing is stored. */
    @WithDefault("1048576")
    int maxBodyBytes();

    /** Most events in one batch (JSON array or NDJSON); a larger batch is answered 413 and nothing is stored. */
    @WithDefault("1000")
    int maxBatchSize();

    /** Deepest nesting of arrays and objects a body may have before it is treated as unparseable. */
    @WithDefault("64")
    int maxNestingDepth();

    /** Longest string value or key (in characters) a body may contain before it is treated as unparseable. */
    @WithDefault("262144")
    int maxStringLength();

    /** Longest number literal (in characters) a body may contain before it is treated as unparseable. */
    @WithDefault("1000")
    int maxNumberLength();

    /**
     * Most bytes of request bodies all requests in flight on this replica may hold together; a body that would pass
     * it is answered 503 with Retry-After and nothing is stored. Keep it well under the heap (the JVM image's default
     * heap is a quarter of the container's memory).
     */
    @WithDefault("67108864")
    long maxBodyBytesInFlight();

    /**
     * Longest a request body may take to arrive, from its first byte to its last, however steadily it trickles; past
     * it the request is answered 408, its connection closed and nothing is stored.
     */
    @WithDefault("30s")
    Duration bodyTimeout();

    /**
     * Longest a POST /events may take from a fully received body to its answer; past it the client gets 503 with
     * Retry-After and nothing is acknowledged. Work already under way still finishes (or is left pending for the
     * recovery job), so the retry is answered duplicate or accepted.
     */
    @WithDefault("10s")
    Duration requestDeadline();

    /** How concurrent requests share the write path's statements and commits. */
    GroupCommit groupCommit();
  }

  /**
   * Group commit: requests that arrive together share one raw insert and one settle statement. A request that finds a
   * writer free is written at once, with whatever else is waiting; while every writer is busy, requests gather, and
   * the group goes out when a writer frees up, when it holds {@code max-events}, or when its first request has waited
   * {@code max-wait} (then even above {@code writers}).
   */
  interface GroupCommit {
    /**
     * Most groups written at once before requests wait for a writer (each group holds a pooled connection per
     * statement). Fewer writers make bigger groups, and a group's statements and commits cost PostgreSQL about the
     * same whatever its size: 2 measured best on a 2-core database; raise it for a database with more cores.
     */
    @WithDefault("2")
    int writers();

    /** Most events in one group; a request with more is written as a group of its own, never split. */
    @WithDefault("500")
    int maxEvents();

    /** Longest a request waits for a writer before its group is written anyway. */
    @WithDefault("5ms")
    Duration maxWait();

    /**
     * Most events this replica holds waiting or being written; a request that would pass it is answered 503 with
     * Retry-After at once and nothing is stored.
     */
    @WithDefault("20000")
    int maxQueuedEvents();
  }

  interface Normalize {
    /** How far ahead of the server clock an event timestamp may lie before it is rejected as timestamp_in_future. */
    @WithDefault("24h")
    Duration maxFutureSkew();

    /**
     * Most events a request or reprocessing chunk normalizes on its event-loop thread; a larger batch is normalized
     * on the worker pool, so that other requests and health checks are answered meanwhile (0: always the pool).
     */
    @WithDefault("16")
    int eventLoopMaxEvents();
  }

  interface Recovery {
    /** How often the recovery job looks for raw events whose normalization never finished. */
    @WithDefault("30s")
    Duration interval();

    /** How long a raw event must have been pending before the recovery job takes it over from the request. */
    @WithDefault("60s")
    Duration grace();

    /** Raw events finished per recovery transaction. */
    @WithDefault("500")
    int chunkSize();

    /** Most chunks one recovery run processes before yielding to the next run. */
    @WithDefault("20")
    int maxChunksPerRun();

    /**
     * How long a pending raw event that could not be settled (marked with its error) waits before the recovery job
     * tries it again, so that it never fails every run while the rows behind it are settled.
     */
    @WithDefault("1h")
    Duration failedRowRetryInterval();
  }

  interface Database {
    /** Seconds a client is told to wait (Retry-After) when the database is unavailable. */
    @WithDefault("5")
    int retryAfterSeconds();

    /** Most requests that may wait for a pooled connection; beyond that they fail fast with 503. */
    @WithDefault("256")
    int maxWaitQueueSize();

    /** Longest a request waits for a pooled connection before it fails with 503. */
    @WithDefault("3s")
    Duration acquisitionTimeout();

    /** Longest a new connection to PostgreSQL may take to establish. */
    @WithDefault("3s")
    Duration connectTimeout();
  }

  interface Inspection {
    /** Page size of GET /raw-events when the request gives no limit. */
    @WithDefault("50")
    int defaultPageSize();

    /** Largest page size GET /raw-events accepts. */
    @WithDefault("500")
    int maxPageSize();
  }

  interface Mappings {
    /**
     * Longest a replica keeps using a cached mapping (or the absence of one). Changes reach every replica at
     * once through LISTEN/NOTIFY; this bounds staleness should a notification be lost.
     */
    @WithDefault("30s")
    Duration cacheTtl();

    /** Most clients whose mapping is cached; the cache starts over when it is full. */
    @WithDefault("10000")
    int cacheMaxEntries();
  }

  interface Replay {
    /** Raw events replayed per transaction. */
    @WithDefault("500")
    int chunkSize();

    /** A running replay whose last progress is older than this is resumed (after a crash or on another replica). */
    @WithDefault("60s")
    Duration staleAfter();

    /** How often replicas look for stale replays to resume. */
    @WithDefault("30s")
    Duration resumeInterval();
  }

  interface Aggregates {
    /** How often each replica checks for newly committed events and, if there are any, re-materializes their buckets. */
    @WithDefault("5s")
    Duration refreshInterval();

    /** Longest POST /aggregates/refresh waits for a refresh already running (on any replica) before answering 503. */
    @WithDefault("60s")
    Duration refreshWaitTimeout();

    /** Consecutive failed refresh intervals after which the aggregates health check reports DOWN. */
    @WithDefault("3")
    int failuresBeforeDown();

    /** Rows GET /aggregates returns when the request gives no limit. */
    @WithDefault("1000")
    int defaultLimit();

    /** Largest limit GET /aggregates accepts. */
    @WithDefault("10000")
    int maxLimit();

    /** Refreshes kept in the aggregate_refreshes log; older entries are deleted by the refresh that adds one. */
    @WithDefault("1000")
    int refreshLogSize();

    /**
     * Materialized 15-minute buckets compared with a recompute from events after each scheduled refresh (half sampled
     * from the buckets, half from the events); a difference is counted, shown in health and repaired by the next
     * refresh. 0 turns the check off.
     */
    @WithDefault("20")
    int consistencySample();

    /**
     * A rebuild (POST /aggregates/rebuild) that has made no progress for this long is taken as abandoned (its replica
     * stopped): the next POST starts a new one.
     */
    @WithDefault("10m")
    Duration rebuildStaleAfter();

    /**
     * IANA zones whose days are pre-rolled (e.g. Asia/Kolkata,America/New_York): GET /aggregates?granularity=day&tz=
     * for a listed zone reads one row per client, metric and day, as fast as UTC; other zones' days are summed from
     * hours or 15-minute buckets per request (exact too, slower). A newly listed zone is filled client by client in
     * the background and used once complete; a zone no longer listed is dropped at the next start. Each listed zone
     * costs the refresh one more roll-up of the changed days.
     */
    Optional<List<String>> dayZones();
  }

  interface Outcomes {
    /** Longest time range one GET /outcomes covers (from to to); a longer one is answered 400. */
    @WithDefault("P400D")
    Duration maxRange();

    /** Range GET /outcomes covers when from is not given: this much before to. */
    @WithDefault("P1D")
    Duration defaultRange();

    /** Rejection codes GET /outcomes lists (the most frequent in the range). */
    @WithDefault("10")
    int topCodes();
  }

  interface Security {
    /**
     * Whether every API request needs an API key. Turning it off leaves the API open to anyone who can reach
     * it; it is logged as a warning at every startup.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * An admin API key installed at startup (only its SHA-256 hash is stored, under the id "bootstrap"), so a
     * fresh deployment can be administered from a secret. Give it as TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY.
     */
    Optional<String> bootstrapAdminKey();

    /**
     * Longest a replica trusts a cached key lookup (valid, revoked or unknown). New and revoked keys reach
     * every replica at once through LISTEN/NOTIFY; this bounds staleness should a notification be lost.
     */
    @WithDefault("30s")
    Duration keyCacheTtl();

    /** Most key lookups cached per replica; the cache starts over when it is full. */
    @WithDefault("10000")
    int keyCacheMaxEntries();

    RateLimit rateLimit();
  }

  interface RateLimit {
    /** Whether requests are limited per API key (a token bucket per key and replica). */
    @WithDefault("true")
    boolean enabled();

    /** Requests per second a key may make on one replica, sustained; a key can override it. */
    @WithDefault("100")
    int requestsPerSecond();

    /** Requests a key may make at once on one replica after being idle (the bucket's size); a key can override it. */
    @WithDefault("200")
    int burst();
  }

  interface Metrics {
    /**
     * How often each replica reads the database-wide gauges (pending raw backlog, running replays) from PostgreSQL.
     * Every replica reports the same values; dashboards take their max.
     */
    @WithDefault("15s")
    Duration sampleInterval();

    /** Pending raw rows counted at most: above it the backlog gauge shows this value (the count stays cheap). */
    @WithDefault("1000000")
    int pendingCountCap();
  }

  interface Browser {
    /**
     * How long a browser may cache the answer to a CORS preflight of the SDK routes (Access-Control-Max-Age); Chromium
     * caps it at 2 hours.
     */
    @WithDefault("2h")
    Duration preflightMaxAge();

    /**
     * The address browsers reach Tally at (https://tally.example.com), which the SDK configuration answers send the
     * SDKs' events to (Segment's apiHost). Without it, the address the request came to (its Host header and scheme).
     */
    Optional<String> publicUrl();
  }
}
