package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ETags ({@link AggregateTag}) name the generation, the query and the rows: a tag of the current generation and
 * query is current without reading the rows; a tag of an older generation is current when the query and the rows
 * are the same.
 */
class AggregateServiceTest {

  private static final AggregateQuery QUERY =
      new AggregateQuery("client_A", null, Instant.parse("2024-01-01T00:00:00Z"), null, Granularity.HOUR, ZoneOffset.UTC, 1000, null);
  private static final AggregateRow ROW = new AggregateRow("client_A", "m", "2024-01-01T00:00:00Z", 2,
      new BigDecimal("3.5"), new BigDecimal("1"), new BigDecimal("2.5"), new BigDecimal("1.75"));
  private static final AggregatePage PAGE = page(false, ROW);
  private static final String ETAG = etag(5, QUERY, PAGE);

  private static String etag(long generation, AggregateQuery query, AggregatePage page) {
    return AggregateTag.of(generation, query, page).header();
  }

  /** The fast path: the header of the listed tag answered 304 without reading the rows, if any. */
  private static Optional<String> currentTag(String ifNoneMatch, long generation, String queryHash) {
    return AggregateService.current(AggregateTag.listed(ifNoneMatch), generation, queryHash).map(AggregateTag::header);
  }

  /** The slow path: whether the rows read now ({@code etag}) are those If-None-Match names. */
  private static boolean sameRows(String ifNoneMatch, String etag) {
    List<AggregateTag> current = AggregateTag.listed(etag);
    return ifNoneMatch != null && AggregateService.notModified(AggregateTag.listed(ifNoneMatch), AggregateTag.any(ifNoneMatch),
        current.get(0));
  }

  private static AggregatePage page(boolean truncated, AggregateRow... rows) {
    return new AggregatePage(Instant.parse("2024-01-02T00:00:00Z"), "hour", List.of(rows), truncated);
  }

  @Test
  void etagNamesTheGenerationTheQueryAndTheRowsButNotAsOf() {
    assertThat(ETAG).matches("W/\"g5-[0-9a-f]{16}-[0-9a-f]{16}\"");
    assertThat(etag(5, QUERY, PAGE)).isEqualTo(ETAG);
    assertThat(etag(5, QUERY, new AggregatePage(Instant.parse("2030-01-01T00:00:00Z"), "hour", List.of(ROW), false)))
        .as("asOf moves on without the rows changing").isEqualTo(ETAG);
    AggregateQuery daily = new AggregateQuery("client_A", null, QUERY.from(), null, Granularity.DAY, ZoneOffset.UTC, 1000, null);
    AggregateQuery smaller = new AggregateQuery("client_A", null, QUERY.from(), null, Granularity.HOUR, ZoneOffset.UTC, 10, null);
    AggregateQuery scoped = new AggregateQuery("client_A", null, QUERY.from(), null, Granularity.HOUR, ZoneOffset.UTC, 1000, List.of("client_A"));
    AggregateQuery zoned = new AggregateQuery("client_A", null, QUERY.from(), null, Granularity.HOUR, ZoneId.of("Asia/Kolkata"), 1000, null);
    AggregateRow counted = new AggregateRow("client_A", "m", ROW.bucket(), 3, ROW.sum(), ROW.min(), ROW.max(), ROW.avg());
    AggregateRow rescaled = new AggregateRow("client_A", "m", ROW.bucket(), 2, new BigDecimal("3.50"), ROW.min(), ROW.max(), ROW.avg());
    assertThat(List.of(
        etag(6, QUERY, PAGE),
        etag(5, daily, PAGE),
        etag(5, smaller, PAGE),
        etag(5, scoped, PAGE),
        etag(5, zoned, PAGE),
        etag(5, QUERY, page(true, ROW)),
        etag(5, QUERY, page(false)),
        etag(5, QUERY, page(false, counted)),
        etag(5, QUERY, page(false, rescaled)),
        etag(5, QUERY, page(false, ROW, ROW))))
        .doesNotContain(ETAG).doesNotHaveDuplicates();
  }

  @Test
  void aTagOfTheCurrentGenerationAndQueryIsCurrentWithoutTheRows() {
    String query = ETAG.substring(ETAG.indexOf('-') + 1, ETAG.lastIndexOf('-'));
    assertThat(currentTag(ETAG, 5, query)).contains(ETAG);
    assertThat(currentTag(ETAG.substring(2), 5, query)).as("strong form, answered weak").contains(ETAG);
    assertThat(currentTag("\"other\", " + ETAG, 5, query)).contains(ETAG);
    assertThat(currentTag(ETAG, 6, query)).as("a newer generation: the rows must be read").isEmpty();
    assertThat(currentTag(ETAG, 5, "0".repeat(16))).as("another query").isEmpty();
    assertThat(currentTag("*", 5, query)).as("* needs a real tag in the answer").isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "SAME_ROWS_OLDER_GENERATION         | true",
      "SAME_ROWS_STRONG                   | true",
      "IN_A_LIST                          | true",
      "STAR                               | true",
      "OTHER_ROWS                         | false",
      "OTHER_QUERY                        | false",
      "NULL                               | false",
      "BLANK                              | false",
      "'W/'                               | false",
      "'\"'                               | false",
      "'\"a-b\"'                          | false",
      "'W/\"g1-x-y-z\"'                   | false",
      "ODD_CHARACTERS                     | false"})
  void ifNoneMatchIsCurrentWhenItNamesTheSameQueryAndRows(String ifNoneMatch, boolean current) {
    String olderGeneration = etag(3, QUERY, PAGE);
    String header = switch (ifNoneMatch) {
      case "SAME_ROWS_OLDER_GENERATION" -> olderGeneration;
      case "SAME_ROWS_STRONG" -> olderGeneration.substring(2);
      case "IN_A_LIST" -> "\"x\", " + olderGeneration;
      case "STAR" -> "*";
      case "OTHER_ROWS" -> etag(5, QUERY, page(true, ROW));
      case "OTHER_QUERY" -> etag(5, new AggregateQuery("client_B", null, null, null, Granularity.HOUR, ZoneOffset.UTC, 1000, null), PAGE);
      case "NULL" -> null;
      case "BLANK" -> " ";
      case "ODD_CHARACTERS" -> olderGeneration.replace("W/\"g3-", "W/\"g3-\"");
      default -> ifNoneMatch;
    };
    assertThat(sameRows(header, ETAG)).isEqualTo(current);
  }
}
