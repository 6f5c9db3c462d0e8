package dev.tally.replay;

/** OpenAPI examples for the replay endpoints. */
final class ReplayExamples {

  static final String REQUEST = """
      {"clientId": "legacy_shop", "statuses": ["rejected"], "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}""";

  static final String STARTED = """
      {"id": 7, "clientId": "legacy_shop", "statuses": ["rejected"], "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z",
       "state": "running", "total": 1250, "processed": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "conflicts": 0,
       "failed": 0, "startedAt": "2024-02-02T10:00:00.123456Z"}""";

  static final String FINISHED = """
      {"id": 7, "clientId": "legacy_shop", "statuses": ["rejected"], "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z",
       "state": "succeeded", "total": 1250, "processed": 1250, "accepted": 1238, "duplicates": 10, "rejected": 1, "conflicts": 0,
       "failed": 1, "startedAt": "2024-02-02T10:00:00.123456Z", "finishedAt": "2024-02-02T10:00:03.5Z"}""";

  static final String PAGE = """
      {"items": [
        {"id": 7, "clientId": "legacy_shop", "statuses": ["rejected"], "state": "succeeded", "total": 1250, "processed": 1250,
         "accepted": 1238, "duplicates": 10, "rejected": 1, "conflicts": 0, "failed": 1,
         "startedAt": "2024-02-02T10:00:00.123456Z", "finishedAt": "2024-02-02T10:00:03.5Z"}],
       "next": null}""";

  static final String CANCELLED = """
      {"id": 8, "clientId": "legacy_shop", "statuses": ["rejected"], "state": "cancelled", "total": 250000, "processed": 3000,
       "accepted": 2990, "duplicates": 0, "rejected": 10, "conflicts": 0, "failed": 0,
       "startedAt": "2024-02-03T10:00:00.123456Z", "finishedAt": "2024-02-03T10:00:01.2Z"}""";

  private ReplayExamples() {}
}
