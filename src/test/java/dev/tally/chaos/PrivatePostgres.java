package dev.tally.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of the harness's own under target/ (or a temporary directory when the postgres user cannot
 * reach target/), on a free port, so that stopping it with
 * {@code -m immediate} disturbs nothing else. Runs as the postgres OS user (via runuser) when the harness is root,
 * because PostgreSQL refuses to run as root. fsync stays on: durability across crashes is what is being tested.
 */
class PrivatePostgres implements AutoCloseable {

  static final String DATABASE = "tally";

  private Path dir;
  private Path data;
  private final Path bin;
  private final int port;
  private final boolean root;

  PrivatePostgres(Path dir, int port) {
    this(dir, dir.resolve("data"), port);
  }

  private PrivatePostgres(Path dir, Path data, int port) {
    this.dir = dir.toAbsolutePath();
    this.data = data.toAbsolutePath();
    this.port = port;
    this.bin = findBin();
    this.root = "root".equals(System.getProperty("user.name"));
  }

  /**
   * A node of a cluster someone else created and started (src/test/citus/cluster.sh: its data in {@code cluster/name},
   * its log {@code cluster/name.log}, database {@link #DATABASE} on every node), stopped and started again by the faults.
   */
  static PrivatePostgres existing(Path cluster, String name, int port) {
    return new PrivatePostgres(cluster, cluster.resolve(name), port) {
      @Override
      Path log() {
        return dir().resolve(name + ".log");
      }

      @Override
      Path socketDir() {
        return data();
      }
    };
  }

  Path data() {
    return data;
  }

  Path log() {
    return dir.resolve("postgres.log");
  }

  Path socketDir() {
    return dir;
  }

  Path dir() {
    return dir;
  }

  int port() {
    return port;
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  String reactiveUrl() {
    return "postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  void create() throws IOException, InterruptedException, SQLException {
    deleteDir();
    Files.createDirectories(dir);
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
      if (!postgresCanWrite(dir)) {
        // A checkout under a directory the postgres user cannot enter (e.g. /root): the cluster goes to a
        // temporary directory instead; it is removed the same way at the end.
        deleteDir();
        dir = Files.createTempDirectory("tally-chaos-pg");
        data = dir.resolve("data");
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        System.out.printf("the postgres user cannot reach target/; private PostgreSQL in %s instead%n", dir);
      }
    }
    run(asPostgres(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
        "-E", "UTF8", "--no-instructions"));
    start();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
         Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + DATABASE);
    }
  }

  void start() throws IOException, InterruptedException {
    run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log().toString(),
        "-w", "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + socketDir()
            + " -c fsync=on -c synchronous_commit=on -c max_connections=100", "start"));
  }

  /** A crash as far as the database is concerned: no checkpoint, WAL replay at the next start. */
  void stopImmediately() throws IOException, InterruptedException {
    run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
  }

  /** Terminates up to {@code n} random client backends of Tally's database; returns how many. */
  int terminateRandomBackends(int n) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
         var rs = s.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity"
             + " WHERE datname = '" + DATABASE + "' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
             + " ORDER BY random() LIMIT " + n + ") t")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** What {@link #terminateSettlesMidGroup} found and did. */
  record MidGroupKill(int terminated, long lockedRawRows, long clients) {}

  /**
   * Kills group settles in the middle of their statement: a SHARE lock on {@code events} holds every settle after its
   * raw rows committed and after it locked them, waiting on its event insert. Once the settles waiting hold the rows
   * of more clients than there are settles (so at least one holds a group of several requests), or {@code patience}
   * passed, their backends are terminated and the lock released. The raw rows locked by the settles are the pending
   * ones a {@code SKIP LOCKED} read does not get.
   */
  MidGroupKill terminateSettlesMidGroup(long patienceMillis) throws SQLException, InterruptedException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("LOCK TABLE events IN SHARE MODE");
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(patienceMillis);
      long settles = 0;
      long rows = 0;
      long clients = 0;
      do {
        Thread.sleep(20);
        try (var rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + DATABASE + "'"
            + " AND wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'")) {
          rs.next();
          settles = rs.getLong(1);
        }
        s.execute("SAVEPOINT look");
        try (var rs = s.executeQuery("SELECT count(*), count(DISTINCT client_id) FROM raw_events WHERE status = 'pending'"
            + " AND id NOT IN (SELECT id FROM raw_events WHERE status = 'pending' FOR UPDATE SKIP LOCKED)")) {
          rs.next();
          rows = rs.getLong(1);
          clients = rs.getLong(2);
        }
        // Release the rows this look locked: a request's settle must not wait on the harness.
        s.execute("ROLLBACK TO SAVEPOINT look");
      } while ((settles == 0 || clients <= settles) && System.nanoTime() < deadline);
      int terminated;
      try (var rs = s.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
          + " WHERE datname = '" + DATABASE + "' AND wait_event_type = 'Lock' AND query LIKE '%tally_settle(%'")) {
        rs.next();
        terminated = rs.getInt(1);
      }
      c.rollback();
      return new MidGroupKill(terminated, rows, clients);
    }
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), "postgres", "");
  }

  @Override
  public void close() {
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      System.err.println("could not stop the private PostgreSQL: " + e);
    }
  }

  private static boolean postgresCanWrite(Path dir) throws IOException, InterruptedException {
    Process check = new ProcessBuilder("runuser", "-u", "postgres", "--", "test", "-w", dir.toString())
        .redirectErrorStream(true).start();
    return check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0;
  }

  void deleteDir() throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private List<String> asPostgres(String... command) {
    List<String> full = new ArrayList<>();
    if (root) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(List.of(command));
    return full;
  }

  /** Runs a command to its end, at most 90 s (its output goes to a file: reading a pipe to EOF would have no deadline). */
  private void run(List<String> command) throws IOException, InterruptedException {
    Path output = Files.createTempFile("tally-chaos-command", ".log");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      boolean finished = p.waitFor(90, TimeUnit.SECONDS);
      if (!finished) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      if (!finished || p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + (finished ? " failed: " : " still running after 90 s: ")
            + new String(Files.readAllBytes(output)));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static Path findBin() {
    String configured = System.getenv("PG_BIN");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(Path::toString))
          .orElseThrow(() -> new IllegalStateException("no initdb under /usr/lib/postgresql/*/bin; set PG_BIN"));
    } catch (IOException e) {
      throw new IllegalStateException("no /usr/lib/postgresql; set PG_BIN to the directory holding initdb and pg_ctl", e);
    }
  }
}
