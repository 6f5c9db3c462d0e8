package dev.tally.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fixed vectors for fingerprint v1. The expected hashes were computed outside Java, e.g.
 * {@code printf 'v1\x1fclient_A\x1fid\x1fevt-1' | sha256sum}; in the table U+001F is written as ␟.
 */
class FingerprintTest {

  @ParameterizedTest(name = "{5}")
  @CsvSource(delimiterString = "|", quoteCharacter = '`', nullValues = "-", textBlock = """
      # clientId | metric | amount | timestamp                   | eventId              | canonical string                                      | sha-256
      client_A   | value  | 1200   | 2024-01-01T00:00:00Z        | evt-1                | v1␟client_A␟id␟evt-1                                  | 3e1959650c0b80c17f54f58e0b5d44db70938fa47c06b00fd2faf2466febaa9d
      42         | value  | 1200   | 2024-01-01T00:00:00Z        | 98765432109876543210 | v1␟42␟id␟98765432109876543210                         | 9dcd886cb233557d3fe60db7679830439e656abe9cd7ec2999d2fe69ee02ebc2
      client_A   | value  | 1200   | 2024-01-01T00:00:00Z        | -                    | v1␟client_A␟value␟1200␟2024-01-01T00:00:00.000000Z    | ac13fdc859d980745f657b5a405aaf4d9e087171b63cac0aa1d0f90faf0b7f4f
      client_A   | value  | 1.2E+3 | 2024-01-01T00:00:00Z        | -                    | v1␟client_A␟value␟1200␟2024-01-01T00:00:00.000000Z    | ac13fdc859d980745f657b5a405aaf4d9e087171b63cac0aa1d0f90faf0b7f4f
      client_A   | value  | 12.50  | 2024-01-01T00:00:00Z        | -                    | v1␟client_A␟value␟12.5␟2024-01-01T00:00:00.000000Z    | 2076dac2ff45e86f883da4fc9b77662e8842525f70517433afc4c1c7b011d814
      client_A   | value  | -0.25  | 2024-01-01T00:00:00Z        | -                    | v1␟client_A␟value␟-0.25␟2024-01-01T00:00:00.000000Z   | ae2411d6c095fb0c9839140d310b9f153520905cc08d437c87df6eb9f23f6a52
      client_A   | value  | 1E+3   | 2024-01-01T00:00:00Z        | -                    | v1␟client_A␟value␟1000␟2024-01-01T00:00:00.000000Z    | ae1f2ef9d333a118b957ae6002f0f287da1ae41be98f4bd103eb8464cf8fbe29
      client_A   | value  | 1200   | 2024-06-30T12:34:56.123456Z | -                    | v1␟client_A␟value␟1200␟2024-06-30T12:34:56.123456Z    | a0e98fa4214d4ee016070c2491b3c5186c8ac10af6b7afd666779fdbed8cbb7e
      client_A   | value  | 0.00   | 2024-01-01T00:00:00.5Z      | -                    | v1␟client_A␟value␟0␟2024-01-01T00:00:00.500000Z       | cac5ff7d103f5dbebe4ce787852d1d6f6f4c94d1c5ce66d29f6a892afbf9f49d
      """)
  void matchesIndependentlyComputedVectors(String clientId, String metric, String amount, String timestamp, String eventId,
      String canonical, String sha256) {
    CanonicalEvent event = new CanonicalEvent(clientId, metric, new BigDecimal(amount), Instant.parse(timestamp), eventId);

    assertThat(Fingerprint.canonicalString(event)).isEqualTo(canonical.replace('␟', '\u001F'));
    assertThat(Fingerprint.of(event)).isEqualTo(sha256);
  }

  @Test
  void withAnEventIdOnlyClientAndEventIdCount() {
    Instant t = Instant.parse("2024-01-01T00:00:00Z");
    CanonicalEvent first = new CanonicalEvent("client_A", "value", new BigDecimal("1200"), t, "evt-1");
    CanonicalEvent changed = new CanonicalEvent("client_A", "other", new BigDecimal("5"), t.plusSeconds(60), "evt-1");

    // Equal fingerprints are what lets ingest see "same eventId, different content" as a conflict.
    assertThat(Fingerprint.of(changed)).isEqualTo(Fingerprint.of(first));
    assertThat(Fingerprint.of(new CanonicalEvent("client_B", "value", new BigDecimal("1200"), t, "evt-1")))
        .isNotEqualTo(Fingerprint.of(first));
  }

  @Test
  void withoutAnEventIdEveryFieldCounts() {
    Instant t = Instant.parse("2024-01-01T00:00:00Z");
    String base = Fingerprint.of(new CanonicalEvent("client_A", "value", new BigDecimal("1200"), t, null));

    assertThat(Fingerprint.of(new CanonicalEvent("client_B", "value", new BigDecimal("1200"), t, null))).isNotEqualTo(base);
    assertThat(Fingerprint.of(new CanonicalEvent("client_A", "other", new BigDecimal("1200"), t, null))).isNotEqualTo(base);
    assertThat(Fingerprint.of(new CanonicalEvent("client_A", "value", new BigDecimal("1200.5"), t, null))).isNotEqualTo(base);
    assertThat(Fingerprint.of(new CanonicalEvent("client_A", "value", new BigDecimal("1200"), t.plusNanos(1_000), null)))
        .isNotEqualTo(base);
  }

  @Test
  void isLowercaseHexOf64Characters() {
    CanonicalEvent event = new CanonicalEvent("client_A", "value", BigDecimal.ONE, Instant.parse("2024-01-01T00:00:00Z"), null);

    assertThat(Fingerprint.of(event)).matches("[0-9a-f]{64}");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiterString = "|", textBlock = """
      2024-01-01T00:00:00Z          | 2024-01-01T00:00:00.000000Z
      2024-01-01T00:00:00.1Z        | 2024-01-01T00:00:00.100000Z
      2024-12-31T23:59:59.999999Z   | 2024-12-31T23:59:59.999999Z
      2023-12-31T23:00:00Z          | 2023-12-31T23:00:00.000000Z
      0999-01-01T00:00:00Z          | 0999-01-01T00:00:00.000000Z
      """)
  void formatsTimestampsInUtcWithExactlySixFractionDigits(String instant, String formatted) {
    assertThat(Fingerprint.formatTimestamp(Instant.parse(instant))).isEqualTo(formatted);
  }
}
