package dev.tally.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Average} is BigDecimal's DECIMAL128 division, made {@link Decimals#plain}, exactly. */
class AverageTest {

  @ParameterizedTest(name = "{0} / {1} = {2}")
  @CsvSource({
      "0, 1, 0",
      "0.00, 7, 0",
      "0.30, 2, 0.15",
      "10, 4, 2.5",
      "100, 1, 100",
      "-7.5, 3, -2.5",
      "1, 3, 0.3333333333333333333333333333333333",
      "2, 3, 0.6666666666666666666666666666666667",
      "-2, 3, -0.6666666666666666666666666666666667",
      "0.0001, 3, 0.00003333333333333333333333333333333333",
      // A 35th digit of exactly 5 and nothing after it: half-even keeps an even last digit, rounds an odd one up.
      "1.0000000000000000000000000000000025, 1, 1.000000000000000000000000000000002",
      "100000000000000000.00000000000000005, 10, 1E+16",
      "100000000000000000.00000000000000015, 10, 10000000000000000.00000000000000002",
      "9999999999999999999, 10000000000000000, 999.9999999999999999",
      "99999999999999999.99999999999999999, 1, 99999999999999999.99999999999999999",
      // Rounding up carries: ...1299 + 1.
      "2.59999999999999999, 3, 0.8666666666666666633333333333333333",
      "123456789012345678901234567890, 7, 17636684144620811271604938270",
      "5, 99999999999999999, 5.000000000000000050000000000000001E-17",
      "5, 100000000000000000, 5E-17"})
  void dividesLikeDecimal128(String sum, String count, String expected) {
    BigDecimal average = Average.of(new BigDecimal(sum), Long.parseLong(count));
    assertThat(average).isEqualByComparingTo(new BigDecimal(expected));
    assertThat(average.scale()).isNotNegative();
    assertThat(average).isEqualTo(reference(new BigDecimal(sum), Long.parseLong(count)));
  }

  @Property(tries = 20_000)
  void anySumOverAnyCountIsTheDecimal128Quotient(@ForAll("sums") BigDecimal sum, @ForAll("counts") long count) {
    assertThat(Average.of(sum, count)).isEqualTo(reference(sum, count));
  }

  @Provide
  Arbitrary<BigDecimal> sums() {
    Arbitrary<Long> unscaled = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-1_000_000, 1_000_000));
    return unscaled.flatMap(u -> Arbitraries.integers().between(-3, 40).map(scale -> BigDecimal.valueOf(u, scale)));
  }

  @Provide
  Arbitrary<Long> counts() {
    return Arbitraries.oneOf(Arbitraries.longs().between(1, 1000), Arbitraries.longs().between(1, Long.MAX_VALUE),
        Arbitraries.of(3L, 7L, 9L, 11L, 99_999_999_999_999_999L, 100_000_000_000_000_000L, Long.MAX_VALUE));
  }

  private static BigDecimal reference(BigDecimal sum, long count) {
    return Decimals.plain(sum.divide(BigDecimal.valueOf(count), MathContext.DECIMAL128));
  }
}
