package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** ETags: one per generation and query; If-None-Match compared weakly, lists and "*" understood. */
class AggregateServiceTest {

  private static final AggregateQuery QUERY =
      new AggregateQuery("client_A", null, Instant.parse("2024-01-01T00:00:00Z"), null, Granularity.HOUR, 1000, null);

  @Test
  void etagChangesWithTheGenerationAndTheQuery() {
    String etag = AggregateService.etag(5, QUERY);
    assertThat(etag).startsWith("W/\"g5-").endsWith("\"");
    assertThat(AggregateService.etag(5, QUERY)).isEqualTo(etag);
    assertThat(AggregateService.etag(6, QUERY)).isNotEqualTo(etag);
    AggregateQuery daily = new AggregateQuery("client_A", null, QUERY.from(), null, Granularity.DAY, 1000, null);
    assertThat(AggregateService.etag(5, daily)).isNotEqualTo(etag);
    AggregateQuery smaller = new AggregateQuery("client_A", null, QUERY.from(), null, Granularity.HOUR, 10, null);
    assertThat(AggregateService.etag(5, smaller)).isNotEqualTo(etag);
  }

  @Test
  void ifNoneMatchIsComparedWeaklyAndMayListSeveralTags() {
    String etag = AggregateService.etag(5, QUERY);
    String opaque = etag.substring(2);
    assertThat(AggregateService.matches(etag, etag)).isTrue();
    assertThat(AggregateService.matches(opaque, etag)).isTrue();
    assertThat(AggregateService.matches("\"other\", " + etag, etag)).isTrue();
    assertThat(AggregateService.matches("*", etag)).isTrue();
    assertThat(AggregateService.matches(AggregateService.etag(4, QUERY), etag)).isFalse();
    assertThat(AggregateService.matches(null, etag)).isFalse();
    assertThat(AggregateService.matches("", etag)).isFalse();
  }
}
