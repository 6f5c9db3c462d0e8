package dev.tally.outcome;

/** OpenAPI examples for GET /outcomes. */
final class OutcomeExamples {

  static final String HOUR = """
      {"asOf": "2026-12-07T14:05:00.120934Z", "granularity": "hour", "tz": "UTC",
       "from": "2026-12-06T14:00:00Z", "to": "2026-12-07T15:00:00Z",
       "buckets": [
        {"clientId": "shop_42", "bucket": "2026-12-07T14:00:00Z", "accepted": 3, "duplicate": 1, "rejected": 1, "conflict": 0, "unparseable": 0, "pending": 0}],
       "truncated": false,
       "rejections": [
        {"clientId": "shop_42", "code": "invalid_amount", "rows": 1, "examples": [1021], "message": "amount must be a number, got \\"abc\\""}]}""";

  private OutcomeExamples() {}
}
