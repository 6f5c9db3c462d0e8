package dev.tally.normalize;

/**
 * How a client's payloads map onto the canonical event. Version 0 is the default rules; per-client
 * mappings (JSON Pointers, timestamp formats, zones, amount scales) extend this value in their own issue,
 * and the normalizer takes whichever mapping applies as a plain value.
 */
public record Mapping(int version) {

  public static final Mapping DEFAULT = new Mapping(0);
}
