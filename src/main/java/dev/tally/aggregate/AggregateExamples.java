package dev.tally.aggregate;

/** OpenAPI examples for the aggregates endpoints, taken from real responses. */
final class AggregateExamples {

  static final String HOUR = """
      {"asOf": "2024-01-01T12:00:00.123456Z", "granularity": "hour", "truncated": false, "rows": [
        {"clientId": "client_A", "metric": "value", "bucket": "2024-01-01T10:00:00Z", "count": 2, "sum": 0.3, "min": 0.1, "max": 0.2, "avg": 0.15}]}""";

  static final String TOTAL = """
      {"asOf": "2024-01-01T12:00:00.123456Z", "granularity": "total", "truncated": false, "rows": [
        {"clientId": "client_A", "metric": "value", "count": 3, "sum": 1200.3, "min": 0.1, "max": 1200, "avg": 400.1}]}""";

  static final String BAD_GRANULARITY = """
      {"type": "about:blank", "title": "Bad Request", "status": 400, "parameter": "granularity",
       "detail": "granularity \\"week\\" is not one of hour, day, total"}""";

  static final String REFRESH = """
      {"asOf": "2024-01-01T12:00:05.654321Z", "durationMs": 42, "refreshed": true}""";

  private AggregateExamples() {}
}
