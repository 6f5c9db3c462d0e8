package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The hand-written page serializer writes exactly what Jackson's bean serializer writes for the same page. */
class AggregatePageSerializerTest {

  private static final Instant AS_OF = Instant.parse("2024-02-01T10:00:00.123456Z");

  /** Jackson as Quarkus configures it (dates as ISO text), once with and once without the page's own serializer. */
  private static final ObjectMapper HAND = mapper();
  private static final ObjectMapper BEAN = mapper().addMixIn(AggregatePage.class, BeanShape.class);

  @JsonSerialize(using = JsonSerializer.None.class)
  private interface BeanShape {}

  private static ObjectMapper mapper() {
    return new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  }

  static Stream<AggregatePage> pages() {
    return Stream.of(
        new AggregatePage(AS_OF, "hour", List.of(), false),
        new AggregatePage(AS_OF, "hour", List.of(
            row("shop-1", "orders", "2024-02-01T00:00:00Z", 3, "1596.99", "194.33", "870.33", "532.33"),
            row("shop-1", "orders", "2024-02-01T01:00:00+05:30", 1, "-5", "-5", "-5", "-5")), true),
        // Totals have no bucket: the field is left out, not written null.
        new AggregatePage(Instant.parse("2024-02-01T10:00:00Z"), "total", List.of(
            row("shop-1", "revenue", null, 2, "100", "0", "100", "50")), false),
        // Names with quotes, backslashes, control characters and non-ASCII text are escaped alike.
        new AggregatePage(AS_OF, "day", List.of(
            row("a\"b\\c\u0001\n", "m\u00e9trique \u20ac \uD83D\uDE00", "2024-02-01T00:00:00-05:00", 7,
                "0.0000001", "0.00000005", "123456789012345678901234567890.123456789", "0.3333333333333333333333333333333333")),
            false),
        new AggregatePage(AS_OF, "day", List.of(
            row("c", "m", "2024-02-01T00:00:00Z", Long.MAX_VALUE, "1E+3", "1E+3", "1E+3", "1E+3")), false));
  }

  @ParameterizedTest
  @MethodSource("pages")
  void writesWhatTheBeanSerializerWrites(AggregatePage page) throws Exception {
    assertThat(HAND.writeValueAsString(page)).isEqualTo(BEAN.writeValueAsString(page));
  }

  private static AggregateRow row(String clientId, String metric, String bucket, long count, String sum, String min, String max,
      String avg) {
    return new AggregateRow(clientId, metric, bucket, count, new BigDecimal(sum), new BigDecimal(min), new BigDecimal(max),
        new BigDecimal(avg));
  }
}
