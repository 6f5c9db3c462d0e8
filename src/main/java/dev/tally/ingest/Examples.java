package dev.tally.ingest;

/** OpenAPI examples for the ingest endpoint, taken from real responses. */
final class Examples {

  static final String SINGLE_REQUEST = """
      {"client_id": "client_A", "metric": "value", "amount": "1200", "timestamp": "2024-01-01T00:00:00Z", "eventId": "txn-1"}""";

  static final String BATCH_REQUEST = """
      [{"clientId": "client_A", "metric": "value", "amount": 12.5, "timestamp": 1704067200},
       {"clientId": "client_A", "metric": "value", "amount": "1,200", "timestamp": "2024-01-01T00:00:00"}]""";

  static final String ACCEPTED = """
      {"status": "accepted", "rawId": 41, "fingerprint": "3f0c…",
       "event": {"clientId": "client_A", "metric": "value", "amount": 1200, "timestamp": "2024-01-01T00:00:00Z", "eventId": "txn-1"}}""";

  static final String DUPLICATE = """
      {"status": "duplicate", "rawId": 42, "fingerprint": "3f0c…", "originalRawId": 41}""";

  static final String REJECTED = """
      {"status": "rejected", "rawId": 43, "errors": [
        {"field": "amount", "code": "invalid_amount", "message": "amount \\"1,200\\" is not a valid amount: expected a decimal number or a numeric string such as \\"12.50\\""},
        {"field": "timestamp", "code": "ambiguous_timestamp", "message": "timestamp \\"2024-01-01T00:00:00\\" has no UTC offset or zone, so the instant is ambiguous; add Z or an offset such as +01:00"}]}""";

  static final String CONFLICT = """
      {"status": "conflict", "rawId": 44, "fingerprint": "3f0c…",
       "message": "eventId \\"txn-1\\" of client client_A is already stored with different content (rawId 41); the stored event is unchanged"}""";

  static final String UNPARSEABLE = """
      {"status": "unparseable", "rawId": 45, "message": "the body is not valid JSON: the body ends before an object is closed: a '}' is missing (line 1, column 27)"}""";

  static final String BATCH_RESPONSE = """
      {"accepted": 1, "duplicates": 0, "rejected": 1, "conflicts": 0, "results": [
        {"index": 0, "status": "accepted", "rawId": 46, "fingerprint": "9b1d…",
         "event": {"clientId": "client_A", "metric": "value", "amount": 12.5, "timestamp": "2024-01-01T00:00:00Z"}},
        {"index": 1, "status": "rejected", "rawId": 47, "errors": [{"field": "amount", "code": "invalid_amount", "message": "…"}]}]}""";

  private Examples() {}
}
