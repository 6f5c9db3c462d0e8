package dev.tally.ingest;

/**
 * A stored raw row after normalizing it again. {@code settled} is its new status; null when the row was left
 * as it was because it already stands for a counted event that the current mapping would make differently
 * (re-counting it under a new fingerprint would count it twice).
 */
public record Reprocessed(StoredRaw row, Settled settled) {

  public boolean leftUnchanged() {
    return settled == null;
  }
}
