package dev.tally.chaos;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The chaos run: K unreliable clients against one Tally on a private PostgreSQL while a fault injector kills Tally
 * (SIGKILL and SIGTERM), restarts PostgreSQL with {@code pg_ctl -m immediate}, terminates the backends of group settles
 * in the middle of their statement (requests sharing one settle, their raw rows committed) and random backends; then the
 * verdict of the ledger against the database and the aggregates. Start it with src/test/chaos/run.sh (see there).
 * Exit code: 0 when every check holds, 1 when one fails, 2 when the run itself could not be carried out.
 */
public final class ChaosRun {

  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final Duration duration;
  private final int clients;
  private final Duration faultGap;
  private final long seed;
  private final String tamper;
  private final boolean keep;
  /** --citus DIR: run against the Citus cluster under DIR (src/test/citus/cluster.sh) instead of a private PostgreSQL. */
  private final Path citus;
  private final List<PrivatePostgres> workers = new ArrayList<>();
  private final Path work = Path.of("target", "chaos");
  /** Tally's admin key for this run: TALLY_CHAOS_API_KEY, or a fresh random one installed as the bootstrap key. */
  private final String apiKey = Objects.requireNonNullElseGet(blankToNull(System.getenv("TALLY_CHAOS_API_KEY")), ChaosRun::randomKey);
  private volatile boolean loading = true;

  private ChaosRun(Map<String, String> options) {
    duration = parseDuration(options.getOrDefault("duration", "60s"));
    clients = Integer.parseInt(options.getOrDefault("clients", "6"));
    faultGap = parseDuration(options.getOrDefault("fault-gap", "8s"));
    seed = Long.parseLong(options.getOrDefault("seed", String.valueOf(System.currentTimeMillis())));
    tamper = options.getOrDefault("tamper", "none");
    keep = options.containsKey("keep");
    citus = options.containsKey("citus") ? Path.of(options.get("citus")) : null;
  }

  public static void main(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i].replaceFirst("^--", "");
      if (name.equals("keep")) {
        options.put(name, "true");
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      }
    }
    int code;
    try {
      code = new ChaosRun(options).run();
    } catch (Exception e) {
      e.printStackTrace();
      code = 2;
    }
    System.exit(code);
  }

  private int run() throws Exception {
    Files.createDirectories(work);
    try (var logs = Files.newDirectoryStream(work, "tally-*.log")) {
      for (Path log : logs) {
        Files.delete(log);
      }
    }
    Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: ./mvnw -B package -DskipTests first");
    }
    System.out.printf("chaos run: %s of load, %d clients, a fault every %s after recovery, seed %d, with an API key%n", duration,
        clients, faultGap, seed);
    int[] ports = freePorts(3); // PostgreSQL, Tally, Tally's management interface
    try (PrivatePostgres pg = citus == null ? new PrivatePostgres(Path.of("target", "chaos-pg"), ports[0]) : citusCluster()) {
      if (citus == null) {
        // A SIGTERM (run.sh under timeout, as in .ci/run) ends this JVM without running the finally blocks below; the
        // PostgreSQL and the Tally it started would outlive it. These hooks stop them (a no-op once they are stopped).
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "chaos-stop-postgres"));
        pg.create();
        System.out.printf("private PostgreSQL on port %d (%s, fsync on)%n", pg.port(), pg.dir());
      } else {
        System.out.printf("Citus coordinator on port %d and %d workers (%s), database %s created by the caller%n", pg.port(),
            workers.size(), citus, PrivatePostgres.DATABASE);
      }
      Map<String, String> env = new HashMap<>();
      env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl());
      env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl());
      env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
      env.put("TALLY_RECOVERY_GRACE", "2s");
      env.put("TALLY_RECOVERY_INTERVAL", "1s");
      env.put("TALLY_AGGREGATES_REFRESH_INTERVAL", "2s");
      env.put("TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY", apiKey);
      // One key sends everything here: its rate limit must not be what the run measures.
      env.put("TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND", "1000000");
      env.put("TALLY_SECURITY_RATE_LIMIT_BURST", "1000000");
      try (TallyProcess tally = new TallyProcess(jar, work, ports[1], ports[2], env)) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            tally.close();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "chaos-stop-tally"));
        tally.start();
        if (!tally.awaitReady(Duration.ofSeconds(120))) {
          throw new IllegalStateException("Tally not ready within 120 s; see " + work.resolve("tally-1.log"));
        }
        return load(pg, tally);
      } finally {
        if (citus != null) {
          System.out.println("the Citus cluster under " + citus + " is left running for its caller");
        } else if (!keep) {
          pg.close();
          pg.deleteDir();
        } else {
          System.out.println("kept: target/chaos-pg (port " + pg.port() + ") and target/chaos/*.log");
        }
      }
    }
  }

  /** The coordinator of the cluster under {@link #citus}; its workers go to {@link #workers}. */
  private PrivatePostgres citusCluster() throws IOException {
    PrivatePostgres coordinator = null;
    for (String line : Files.readAllLines(citus.resolve("ports"))) {
      String[] nameAndPort = line.trim().split("\\s+");
      PrivatePostgres node = PrivatePostgres.existing(citus, nameAndPort[0], Integer.parseInt(nameAndPort[1]));
      if (nameAndPort[0].equals("coordinator")) {
        coordinator = node;
      } else {
        workers.add(node);
      }
    }
    if (coordinator == null || workers.isEmpty()) {
      throw new IllegalStateException(citus.resolve("ports") + " names no coordinator or no worker");
    }
    return coordinator;
  }

  private int load(PrivatePostgres pg, TallyProcess tally) throws Exception {
    long start = System.nanoTime();
    Ledger ledger = new Ledger();
    Stats stats = new Stats();
    FaultTimeline timeline = new FaultTimeline(start);
    String run = Long.toString(seed, 36);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      VirtualClient client = new VirtualClient(tally.baseUrl(), apiKey, "chaos-" + run + "-c" + i, seed + i, ledger, stats,
          timeline, () -> loading);
      Thread t = new Thread(client, "client-" + i);
      t.start();
      threads.add(t);
    }
    injectFaults(pg, tally, timeline, start + duration.toNanos());
    loading = false;
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(90));
    }
    System.out.printf("load stopped after %.0f s; waiting for recovery to settle pending raw rows%n", (System.nanoTime() - start) / 1e9);

    Verdict verdict = new Verdict();
    try (Connection db = pg.connect()) {
      long pending = awaitNoPending(db, Duration.ofSeconds(90));
      tamperIfAsked(db, ledger);
      verdict.checkDatabase(db, ledger, pending);
    }
    verdict.checkAggregates(aggregates(tally));
    verdict.check("re-sends of acknowledged events answered accepted", stats.resendAccepted.get(), "= 0", stats.resendAccepted.get() == 0);
    verdict.check("answers the contract does not allow", stats.unexpected.get(), "= 0", stats.unexpected.get() == 0);
    verdict.check("Tally kills (SIGKILL)", timeline.count("tally-kill -9"), ">= 1", timeline.count("tally-kill -9") >= 1);
    verdict.check("PostgreSQL restarts (-m immediate)", timeline.count("postgres-immediate"), ">= 1", timeline.count("postgres-immediate") >= 1);
    if (citus != null) {
      verdict.check("Citus worker restarts (-m immediate)", timeline.count("worker-immediate"), ">= 1", timeline.count("worker-immediate") >= 1);
    }
    boolean recovered = timeline.faults().stream().allMatch(f -> f.firstOkNanos != 0);
    verdict.check("faults with a 2xx after recovery", timeline.faults().stream().filter(f -> f.firstOkNanos != 0).count(),
        "= faults (" + timeline.faults().size() + ")", recovered);

    System.out.println();
    System.out.printf("requests %d: 2xx %d, 4xx %d, 5xx %d, connection errors %d, timeouts %d; retries %d, given up %d%n",
        stats.requests.get(), stats.answered2xx.get(), stats.answered4xx.get(), stats.answered5xx.get(), stats.connectionErrors.get(),
        stats.timeouts.get(), stats.retries.get(), stats.givenUp.get());
    System.out.printf("operations: singles %d, batches %d, malformed %d, exact re-sends %d; distinct events sent %d%n",
        stats.singles.get(), stats.batches.get(), stats.malformed.get(), stats.resends.get(), ledger.all().size());
    System.out.println();
    System.out.println("Fault timeline (seconds since the load started; recovery = first 2xx for a request sent after the restore)");
    System.out.print(timeline.table());
    System.out.println();
    System.out.println("Verdict");
    System.out.print(verdict.table());
    verdict.problems.forEach(p -> System.out.println("  problem: " + p));
    stats.unexpectedExamples.forEach(p -> System.out.println("  unexpected: " + p));
    System.out.println(verdict.passed() ? "chaos verdict: PASSED" : "chaos verdict: FAILED");
    return verdict.passed() ? 0 : 1;
  }

  /** Faults one after another, each followed by its recovery and a gap, until the load's end. */
  private void injectFaults(PrivatePostgres pg, TallyProcess tally, FaultTimeline timeline, long endNanos) throws Exception {
    // Under Citus a worker crashes instead of the group settles being terminated mid-statement (the harness finds them
    // with a FOR UPDATE SKIP LOCKED over all clients, which Citus does not run across shards).
    String[] cycle = citus == null
        ? new String[] {"tally-kill -9", "postgres-immediate", "group-settle-terminated", "backends-terminated", "tally-sigterm"}
        : new String[] {"tally-kill -9", "worker-immediate", "postgres-immediate", "backends-terminated", "tally-sigterm"};
    Random random = new Random(seed);
    int next = 0;
    Thread.sleep(Math.min(faultGap.toMillis(), 5000));
    while (System.nanoTime() + faultGap.toNanos() / 2 < endNanos) {
      String kind = cycle[next++ % cycle.length];
      FaultTimeline.Fault fault = timeline.inject(kind);
      System.out.printf("  %6s s  %s%n", timeline.seconds(fault.injectedNanos), kind);
      switch (kind) {
        case "tally-kill -9" -> {
          tally.kill();
          fault.restoredNanos = System.nanoTime();
          tally.start();
          fault.note = ready(tally, fault) ? "restarted" : "NOT READY";
        }
        case "postgres-immediate" -> {
          pg.stopImmediately();
          boolean down = false;
          long outageEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3 + random.nextInt(3));
          while (System.nanoTime() < outageEnd) {
            down |= tally.readiness() == 503;
            Thread.sleep(200);
          }
          down |= tally.readiness() == 503;
          pg.start();
          fault.restoredNanos = System.nanoTime();
          boolean ready = ready(tally, fault);
          fault.note = (down ? "readiness DOWN during outage" : "readiness NOT seen DOWN") + (ready ? ", UP again without restart" : ", NOT READY");
        }
        case "worker-immediate" -> {
          PrivatePostgres worker = workers.get(random.nextInt(workers.size()));
          worker.stopImmediately();
          long outage = 3 + random.nextInt(3);
          Thread.sleep(TimeUnit.SECONDS.toMillis(outage));
          worker.start();
          fault.restoredNanos = System.nanoTime();
          boolean ready = ready(tally, fault);
          fault.note = "worker on port " + worker.port() + " down " + outage + " s" + (ready ? "" : ", NOT READY");
        }
        case "group-settle-terminated" -> {
          PrivatePostgres.MidGroupKill kill = pg.terminateSettlesMidGroup(3000);
          fault.restoredNanos = System.nanoTime();
          fault.readyNanos = fault.restoredNanos;
          fault.note = kill.terminated() + " settle backend(s) terminated holding " + kill.lockedRawRows() + " raw row(s) of "
              + kill.clients() + " client(s)";
        }
        case "backends-terminated" -> {
          int killed = pg.terminateRandomBackends(1 + random.nextInt(4));
          fault.restoredNanos = System.nanoTime();
          fault.readyNanos = fault.restoredNanos;
          fault.note = killed + " backend(s) terminated";
        }
        default -> {
          long signalled = System.nanoTime();
          Process old = tally.terminate();
          boolean downBeforeExit = false;
          while (old.isAlive() && System.nanoTime() - signalled < TimeUnit.SECONDS.toNanos(60)) {
            downBeforeExit |= tally.readiness() == 503;
            Thread.sleep(100);
          }
          fault.note = String.format("readiness %s before exit, exited %.1f s after SIGTERM (code %s)",
              downBeforeExit ? "DOWN" : "NOT seen DOWN", (System.nanoTime() - signalled) / 1e9, old.isAlive() ? "still running" : old.exitValue());
          if (old.isAlive()) {
            tally.kill();
          }
          fault.restoredNanos = System.nanoTime();
          tally.start();
          if (!ready(tally, fault)) {
            fault.note += ", NOT READY";
          }
        }
      }
      awaitFirstOk(fault, Duration.ofSeconds(60));
      Thread.sleep(faultGap.toMillis());
    }
    long rest = endNanos - System.nanoTime();
    if (rest > 0) {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(rest));
    }
  }

  private static boolean ready(TallyProcess tally, FaultTimeline.Fault fault) throws InterruptedException {
    boolean ready = tally.awaitReady(Duration.ofSeconds(120));
    if (ready) {
      fault.readyNanos = System.nanoTime();
    }
    return ready;
  }

  /** Waits for a 2xx after the fault's recovery; one that never comes is the verdict's to report, not a crash here. */
  private static void awaitFirstOk(FaultTimeline.Fault fault, Duration timeout) {
    try {
      await().atMost(timeout).until(() -> fault.firstOkNanos != 0);
    } catch (ConditionTimeoutException noTwoHundred) {
      // judged by "faults with a 2xx after recovery"
    }
  }

  /** The pending rows left once none are left or the timeout passes; the verdict judges the number. */
  private static long awaitNoPending(Connection db, Duration timeout) throws SQLException {
    try {
      return await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(() -> pending(db), pending -> pending == 0);
    } catch (ConditionTimeoutException stillPending) {
      return pending(db);
    }
  }

  private static long pending(Connection db) throws SQLException {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM raw_events WHERE status = 'pending'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Proof that the verdict can fail: damage the outcome the way a broken Tally would, then let the verdict judge.
   * lose-one deletes one acknowledged event; double-one stores one acknowledged event a second time under another
   * fingerprint; phantom-ack records a 2xx for an event that was never sent.
   */
  private void tamperIfAsked(Connection db, Ledger ledger) throws SQLException {
    if (tamper.equals("none")) {
      return;
    }
    System.out.println("TAMPERING (--tamper " + tamper + "): the verdict below must fail");
    try (Statement s = db.createStatement()) {
      switch (tamper) {
        case "lose-one" -> s.executeUpdate("DELETE FROM events WHERE ctid = (SELECT ctid FROM events LIMIT 1)");
        case "double-one" -> s.executeUpdate("INSERT INTO events (client_id, fingerprint, event_id, metric, amount, ts, raw_id, mapping_version)"
            + " SELECT client_id, md5(fingerprint), event_id, metric, amount, ts, raw_id, mapping_version FROM events LIMIT 1");
        case "phantom-ack" -> ledger.fabricateAcknowledgement(new Ledger.Expected("chaos-phantom", "m", BigDecimal.ONE,
            java.time.Instant.parse("2024-01-01T00:00:00Z"), "never-sent"));
        default -> throw new IllegalArgumentException("--tamper takes none, lose-one, double-one or phantom-ack");
      }
    }
  }

  /** After a refresh: count and exact sum per client and metric from GET /aggregates. */
  private Map<String, Verdict.Sum> aggregates(TallyProcess tally) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> refresh = http.send(authorized(HttpRequest.newBuilder(URI.create(tally.baseUrl() + "/aggregates/refresh")))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
    if (refresh.statusCode() / 100 != 2) {
      throw new IllegalStateException("POST /aggregates/refresh answered " + refresh.statusCode() + ": " + refresh.body());
    }
    HttpResponse<String> answer = http.send(authorized(HttpRequest.newBuilder(URI.create(tally.baseUrl()
        + "/aggregates?granularity=total&limit=10000"))).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(answer.body());
    if (answer.statusCode() != 200 || body.path("truncated").asBoolean(false)) {
      throw new IllegalStateException("GET /aggregates answered " + answer.statusCode() + ": " + answer.body());
    }
    Map<String, Verdict.Sum> sums = new TreeMap<>();
    for (JsonNode row : body.path("rows")) {
      sums.put(row.path("clientId").asText() + " / " + row.path("metric").asText(),
          new Verdict.Sum(row.path("count").asLong(), row.path("sum").decimalValue()));
    }
    return sums;
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return request.header("Authorization", "Bearer " + apiKey);
  }

  private static String randomKey() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return "chaos-" + java.util.HexFormat.of().formatHex(bytes);
  }

  /** n free ports, distinct: all n sockets are bound at once. */
  private static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
  }

  private static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("a duration such as 60s, 10m: " + text);
    };
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
