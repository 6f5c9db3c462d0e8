package dev.tally.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fenced code blocks of the documentation pages (README.md and docs/*.md), with what the example conventions of
 * docs/development.md need: the block's language, its first line, whether a {@code <!-- not run: reason -->} line
 * right before it excludes it from the example run, and the statuses its curl commands are annotated with
 * ({@code # → 201}; a curl that runs several times, in a loop, lists them in order: {@code # → 201 → 200}).
 */
final class DocBlocks {

  static final Pattern NOT_RUN = Pattern.compile("^<!--\\s*not run:\\s*(.+?)\\s*-->$");
  static final Pattern EXPECTED_STATUS = Pattern.compile("#\\s*→\\s*(\\d{3}(?:\\s*→\\s*\\d{3})*)");
  private static final Pattern FENCE = Pattern.compile("^(`{3,})\\s*([\\w-]*).*$");

  /** One fenced block; {@code notRun} is null for a block that runs. */
  record Block(Path page, int line, String language, String text, String notRun) {

    boolean runs() {
      return "bash".equals(language) && notRun == null;
    }

    List<Integer> expectedStatuses() {
      List<Integer> statuses = new ArrayList<>();
      Matcher m = EXPECTED_STATUS.matcher(text);
      while (m.find()) {
        for (String status : m.group(1).split("\\s*→\\s*")) {
          statuses.add(Integer.parseInt(status.trim()));
        }
      }
      return statuses;
    }

    /** The {@code # → ...} comments; one per curl command (a curl in a loop lists one status per pass). */
    long annotations() {
      return EXPECTED_STATUS.matcher(text).results().count();
    }

    String where() {
      return page + ":" + line;
    }
  }

  private DocBlocks() {}

  /** README.md and every page under docs/, in a stable order. */
  static List<Path> pages() {
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
      return pages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Block> of(Path page) {
    try {
      return parse(page, Files.readString(page));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Block> parse(Path page, String markdown) {
    List<Block> blocks = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    String previous = "";
    for (int i = 0; i < lines.length; i++) {
      Matcher fence = FENCE.matcher(lines[i]);
      if (!fence.matches()) {
        if (!lines[i].isBlank()) {
          previous = lines[i].trim();
        }
        continue;
      }
      String close = fence.group(1);
      StringBuilder text = new StringBuilder();
      int start = i + 1;
      for (i = i + 1; i < lines.length && !lines[i].trim().equals(close); i++) {
        text.append(lines[i]).append('\n');
      }
      Matcher notRun = NOT_RUN.matcher(previous);
      blocks.add(new Block(page, start, fence.group(2), text.toString(), notRun.matches() ? notRun.group(1) : null));
      previous = "";
    }
    return blocks;
  }
}
