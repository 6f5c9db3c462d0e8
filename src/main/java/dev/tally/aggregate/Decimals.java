package dev.tally.aggregate;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * The aggregates' decimals as the API writes them: exact, plain (never 1E+2), without trailing zeros. A GET of a week's
 * hours writes ~2,000 of them and hashes them into its ETag too; normalized by {@link #plain}, a value's
 * {@code toString()} is already its plain text and BigDecimal caches it, so each is rendered once per answer instead of
 * twice (toString for the tag, toPlainString for the body: a quarter of the GET's allocation).
 */
final class Decimals {

  private Decimals() {}

  /** Trailing zeros stripped, scale never negative: 100.00 is 100 (not 1E+2), 0.150 is 0.15. */
  static BigDecimal plain(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }

  /** The plain text of a value: its cached {@code toString()} unless that would be exponential (below 10^-6). */
  static String text(BigDecimal value) {
    return value.scale() >= 0 && value.precision() - value.scale() > -6 ? value.toString() : value.toPlainString();
  }

  /** Writes {@link #text} as a JSON number. */
  @RegisterForReflection
  public static final class Serializer extends StdSerializer<BigDecimal> {

    public Serializer() {
      super(BigDecimal.class);
    }

    @Override
    public void serialize(BigDecimal value, JsonGenerator generator, SerializerProvider provider) throws IOException {
      generator.writeNumber(text(value));
    }
  }
}
