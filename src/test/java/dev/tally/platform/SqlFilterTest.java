package dev.tally.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Optional filters become numbered placeholders, values never reach the SQL text. */
class SqlFilterTest {

  @Test
  void givenValuesAreBoundInOrderAndNullsLeftOut() {
    SqlFilter filter = new SqlFilter()
        .and("client_id = %s", "x' OR 1=1 --")
        .and("metric = %s", null)
        .and("id < %s", 7L);
    String limit = filter.bind(51);

    assertThat(filter.where()).isEqualTo(" WHERE client_id = $1 AND id < $2");
    assertThat(limit).isEqualTo("$3");
    assertThat(filter.params().size()).isEqualTo(3);
    assertThat(filter.params().getValue(0)).isEqualTo("x' OR 1=1 --");
    assertThat(filter.params().getValue(2)).isEqualTo(51);
  }

  @Test
  void noConditionsMeansNoWhereClause() {
    assertThat(new SqlFilter().and("metric = %s", null).where()).isEmpty();
  }
}
