package dev.tally.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import dev.tally.support.TestDb;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shell example of README.md and docs/ works against a running Tally, so that the examples never rot. The
 * conventions (docs/development.md, "Examples in the docs"): each page's ```bash blocks run in order, as one bash
 * script, so a block may use what an earlier block of its page created; a block preceded by
 * {@code <!-- not run: reason -->} is skipped; every curl is annotated with the status it expects ({@code # → 201}),
 * and the run checks each curl's real status against it, in order. The examples are written for
 * {@code ./mvnw quarkus:dev}: the run points localhost:8080 and localhost:9000 at the test ports and sets TALLY_KEY
 * (and the dev admin key) to the tests' admin key. The example clients' rows are deleted first, so a page's first
 * event is new on every run, as it is on a fresh dev database. The answers are kept in target/doc-examples/ for whoever
 * updates a page's sample answers.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class DocExamplesTest {

  /** The clients the examples use; their rows are deleted before a page runs. */
  static final List<String> EXAMPLE_CLIENTS = List.of("shop_42", "shop_7", "legacy_shop", "web_shop", "app_1", "client_A", "client_B");

  private static final String STATUS = "@tally-doc-status ";
  private static final String BLOCK = "@tally-doc-block ";

  @TestHTTPResource("/")
  URL api;

  @TestHTTPResource(value = "/", management = true)
  URL management;

  static List<Path> pages() {
    return DocBlocks.pages().stream().filter(p -> DocBlocks.of(p).stream().anyMatch(DocBlocks.Block::runs)).toList();
  }

  @ParameterizedTest
  @MethodSource("pages")
  void everyShellExampleOfThePageAnswersTheStatusItShows(Path page) throws IOException, InterruptedException {
    forgetExampleClients();
    List<DocBlocks.Block> blocks = DocBlocks.of(page).stream().filter(DocBlocks.Block::runs).toList();
    StringBuilder script = new StringBuilder("set -eo pipefail\n")
        .append("curl() { command curl \"$@\" -w '%{stderr}").append(STATUS).append("%{http_code}\\n'; local rc=$?; echo; return $rc; }\n");
    for (int i = 0; i < blocks.size(); i++) {
      script.append("echo '").append(BLOCK).append(i).append("' >&2\n").append(rewrite(blocks.get(i).text()));
    }
    Path file = Files.createTempFile("tally-doc-examples", ".sh");
    Files.writeString(file, script, StandardCharsets.UTF_8);
    ProcessBuilder builder = new ProcessBuilder("bash", file.toString()).redirectErrorStream(false);
    builder.environment().put("TALLY_KEY", AdminKey.KEY);
    Path out = Files.createTempFile("tally-doc-examples", ".out");
    Path err = Files.createTempFile("tally-doc-examples", ".err");
    Process bash = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    boolean finished = bash.waitFor(3, TimeUnit.MINUTES);
    if (!finished) {
      bash.descendants().forEach(ProcessHandle::destroyForcibly);
      bash.destroyForcibly();
    }
    List<String> stderr = Files.readAllLines(err);
    Path answers = Path.of("target/doc-examples", page.getFileName() + ".out");
    Files.createDirectories(answers.getParent());
    Files.copy(out, answers, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<List<Integer>> statuses = statusesPerBlock(stderr, blocks.size());
    String output = "\n--- stdout\n" + tail(Files.readString(out)) + "\n--- stderr\n" + tail(String.join("\n", stderr));
    assertThat(finished).as(page + ": the examples did not finish within 3 minutes" + output).isTrue();
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      if (!blocks.get(i).expectedStatuses().equals(statuses.get(i))) {
        wrong.add(blocks.get(i).where() + ": expected statuses " + blocks.get(i).expectedStatuses() + " but got " + statuses.get(i));
      }
    }
    assertThat(wrong).as(page + output).isEmpty();
    assertThat(bash.exitValue()).as(page + ": bash exited with " + bash.exitValue() + output).isZero();
  }

  private String rewrite(String block) {
    return block.replace("localhost:8080", "localhost:" + api.getPort())
        .replace("localhost:9000", "localhost:" + ManagementPort.of(management))
        .replace("tally-dev-admin-key", AdminKey.KEY);
  }

  private static List<List<Integer>> statusesPerBlock(List<String> stderr, int blocks) {
    List<List<Integer>> statuses = new ArrayList<>();
    for (int i = 0; i < blocks; i++) {
      statuses.add(new ArrayList<>());
    }
    int current = -1;
    for (String line : stderr) {
      if (line.startsWith(BLOCK)) {
        current = Integer.parseInt(line.substring(BLOCK.length()).trim());
      } else if (line.contains(STATUS) && current >= 0) {
        statuses.get(current).add(Integer.parseInt(line.substring(line.indexOf(STATUS) + STATUS.length()).trim()));
      }
    }
    return statuses;
  }

  private static void forgetExampleClients() {
    String[] clients = EXAMPLE_CLIENTS.toArray(String[]::new);
    for (String table : List.of("replays", "client_mappings", "events", "raw_events")) {
      TestDb.update("DELETE FROM " + table + " WHERE client_id = ANY(?)", (Object) clients);
    }
  }

  private static String tail(String text) {
    return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
  }
}
