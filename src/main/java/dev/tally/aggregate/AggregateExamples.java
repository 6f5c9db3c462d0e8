package dev.tally.aggregate;

/** OpenAPI examples for the aggregates endpoints, taken from real responses. */
final class AggregateExamples {

  static final String HOUR = """
      {"asOf": "2026-11-26T08:35:58.099702Z", "granularity": "hour", "rows": [
        {"clientId": "client_A", "metric": "value", "bucket": "2024-01-01T10:00:00Z", "count": 2, "sum": 0.3, "min": 0.1, "max": 0.2, "avg": 0.15},
        {"clientId": "client_A", "metric": "value", "bucket": "2024-01-01T11:00:00Z", "count": 1, "sum": 0.25, "min": 0.25, "max": 0.25, "avg": 0.25},
        {"clientId": "client_A", "metric": "value", "bucket": "2024-01-02T08:00:00Z", "count": 1, "sum": 1200, "min": 1200, "max": 1200, "avg": 1200}],
       "truncated": false}""";

  static final String TOTAL = """
      {"asOf": "2026-11-26T08:35:59.828206Z", "granularity": "total", "rows": [
        {"clientId": "client_A", "metric": "value", "count": 4, "sum": 1200.55, "min": 0.1, "max": 1200, "avg": 300.1375}],
       "truncated": false}""";

  static final String BAD_GRANULARITY = """
      {"type": "about:blank", "title": "Bad Request", "status": 400,
       "detail": "granularity \\"week\\" is not one of hour, day, total", "parameter": "granularity"}""";

  static final String REFRESH = """
      {"asOf": "2026-11-26T08:35:58.099702Z", "durationMs": 44, "refreshed": true}""";

  static final String DAY_KOLKATA = """
      {"asOf": "2026-12-02T02:10:04.512305Z", "granularity": "day", "rows": [
        {"clientId": "client_A", "metric": "value", "bucket": "2024-01-01T00:00:00+05:30", "count": 3, "sum": 0.55, "min": 0.1, "max": 0.25, "avg": 0.1833333333333333333333333333333333},
        {"clientId": "client_A", "metric": "value", "bucket": "2024-01-02T00:00:00+05:30", "count": 1, "sum": 1200, "min": 1200, "max": 1200, "avg": 1200}],
       "truncated": false}""";

  static final String REBUILD_STARTED = """
      {"id": 3, "state": "running", "total": 0, "processed": 0, "events": 0, "startedAt": "2026-12-02T02:10:04.512305Z"}""";

  static final String REBUILD_FINISHED = """
      {"id": 3, "state": "succeeded", "total": 50, "processed": 50, "events": 10000000,
       "startedAt": "2026-12-02T02:10:04.512305Z", "finishedAt": "2026-12-02T02:11:31.100823Z"}""";

  private AggregateExamples() {}
}
