package dev.tally.normalize;

import java.util.List;

/** The outcome of normalizing one element: a canonical event with its fingerprint, or every problem found. */
public sealed interface Normalization {

  int mappingVersion();

  record Accepted(CanonicalEvent event, String fingerprint, int mappingVersion) implements Normalization {}

  record Rejected(List<FieldError> errors, int mappingVersion) implements Normalization {
    public Rejected {
      errors = List.copyOf(errors);
    }
  }
}
