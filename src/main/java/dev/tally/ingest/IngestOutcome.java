package dev.tally.ingest;

/** The answer to POST /events: one event's result, or a batch's. */
public sealed interface IngestOutcome {

  record Single(EventResult result) implements IngestOutcome {}

  record Batch(BatchResult result) implements IngestOutcome {}
}
