package dev.tally.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The conventions the example run relies on (docs/development.md, "Examples in the docs"), checked without Tally. */
class DocBlocksTest {

  private static final Set<String> NOT_SHELL = Set.of("", "json", "text", "js", "http", "yaml", "java", "properties", "sql");
  private static final Pattern LONG_RUNNING = Pattern.compile("(^|\\s)(\\./mvnw|docker|kubectl|java -jar|src/test/[\\w/-]+\\.sh)\\s", Pattern.MULTILINE);
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)\\s]*)?\\)");

  @Test
  void blocksTheirLanguageAndNotRunMarksAreRead() {
    String page = """
        Intro
        ```bash
        curl -s localhost:8080/events -H "Authorization: Bearer $TALLY_KEY" -d '{}'   # → 400
        curl -s localhost:8080/keys -H "Authorization: Bearer $TALLY_KEY"   # → 200
        for i in 1 2; do curl -s localhost:8080/events -H "Authorization: Bearer $TALLY_KEY" -d '{}'; done   # → 422 → 422
        ```
        <!-- not run: needs a cluster -->
        ```bash
        kubectl apply -k docker/kubernetes
        ```
        ```json
        {"status":"accepted"}
        ```
        """;
    List<DocBlocks.Block> blocks = DocBlocks.parse(Path.of("page.md"), page);
    assertThat(blocks).extracting(DocBlocks.Block::language).containsExactly("bash", "bash", "json");
    assertThat(blocks).extracting(DocBlocks.Block::line).containsExactly(2, 8, 11);
    assertThat(blocks.get(0).runs()).isTrue();
    assertThat(blocks.get(0).expectedStatuses()).containsExactly(400, 200, 422, 422);
    assertThat(blocks.get(0).annotations()).isEqualTo(3);
    assertThat(blocks.get(1).runs()).isFalse();
    assertThat(blocks.get(1).notRun()).isEqualTo("needs a cluster");
    assertThat(blocks.get(2).runs()).isFalse();
  }

  @Test
  void everyShellExampleIsABashBlockSoThatItIsRunOrVisiblyMarkedNotRun() {
    List<String> offenders = new ArrayList<>();
    for (Path page : DocBlocks.pages()) {
      for (DocBlocks.Block block : DocBlocks.of(page)) {
        if (!"bash".equals(block.language()) && !NOT_SHELL.contains(block.language())) {
          offenders.add(block.where() + " is a ```" + block.language() + " block: write shell examples as ```bash");
        }
        if (!"bash".equals(block.language()) && block.text().matches("(?s).*\\bcurl .*localhost:(8080|9000).*")) {
          offenders.add(block.where() + " calls Tally outside a ```bash block, so it would never be run");
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  @Test
  void everyCurlOfARunBlockSaysWhichStatusItExpects() {
    List<String> offenders = new ArrayList<>();
    for (Path page : DocBlocks.pages()) {
      for (DocBlocks.Block block : DocBlocks.of(page)) {
        if (!block.runs()) {
          continue;
        }
        long curls = Pattern.compile("(?:^\\s*|[|(;&]\\s*|\\bdo\\s+)curl\\s", Pattern.MULTILINE).matcher(block.text()).results().count();
        if (curls != block.annotations()) {
          offenders.add(block.where() + ": " + curls + " curl commands but " + block.annotations() + " '# → <status>' annotations");
        }
        if (LONG_RUNNING.matcher(block.text()).find()) {
          offenders.add(block.where() + ": builds, deploys or starts something; mark it <!-- not run: reason -->");
        }
        if (block.text().contains("-w ") || block.text().contains("--write-out")) {
          offenders.add(block.where() + ": uses -w, which the example run needs for itself");
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  @Test
  void relativeLinksPointAtFilesThatExist() {
    List<String> broken = new ArrayList<>();
    for (Path page : DocBlocks.pages()) {
      String text;
      try {
        text = Files.readString(page);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      Matcher link = LINK.matcher(text);
      while (link.find()) {
        String target = link.group(1);
        if (target.contains("://") || target.startsWith("mailto:")) {
          continue;
        }
        Path resolved = page.toAbsolutePath().getParent().resolve(target).normalize();
        if (!Files.exists(resolved)) {
          broken.add(page + " links to " + target + ", which does not exist");
        }
      }
    }
    assertThat(broken).isEmpty();
  }
}
