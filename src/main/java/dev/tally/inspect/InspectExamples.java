package dev.tally.inspect;

/** OpenAPI examples for the inspection endpoints. */
final class InspectExamples {

  static final String RAW_ONE = """
      {"id": 47, "receivedAt": "2024-01-01T00:00:01.5Z", "clientId": "client_A", "contentType": "application/json",
       "status": "rejected", "payload": {"clientId": "client_A", "metric": "value", "amount": "1,200"},
       "reasons": [{"field": "amount", "code": "invalid_amount", "message": "…"}], "mappingVersion": 0,
       "processedAt": "2024-01-01T00:00:01.6Z"}""";

  static final String RAW_PAGE = """
      {"items": [
        {"id": 48, "receivedAt": "2024-01-01T00:00:02Z", "clientId": "client_A", "contentType": "application/json",
         "status": "pending", "payload": {"clientId": "client_A", "metric": "value", "amount": 5, "timestamp": 1704067200},
         "settleError": "java.lang.ArithmeticException: Underflow", "settleAttempts": 1,
         "settleFailedAt": "2024-01-01T00:01:02.4Z"},
        {"id": 47, "receivedAt": "2024-01-01T00:00:01.5Z", "clientId": "client_A", "contentType": "application/json",
         "status": "rejected", "payload": {"clientId": "client_A", "metric": "value", "amount": "1,200"},
         "reasons": [{"field": "amount", "code": "invalid_amount", "message": "…"}], "mappingVersion": 0,
         "processedAt": "2024-01-01T00:00:01.6Z"},
        {"id": 45, "receivedAt": "2024-01-01T00:00:01.2Z", "contentType": "application/json", "status": "unparseable",
         "rawText": "{\\"clientId\\": ", "reasons": [{"field": null, "code": "unparseable", "message": "…"}],
         "processedAt": "2024-01-01T00:00:01.2Z"}],
       "next": "45"}""";

  static final String EVENT_VIEW = """
      {"clientId": "client_A", "fingerprint": "3f0c…",
       "event": {"clientId": "client_A", "metric": "value", "amount": 1200, "timestamp": "2024-01-01T00:00:00Z", "eventId": "txn-1"},
       "mappingVersion": 0, "rawId": 41, "rawIds": [41, 42], "createdAt": "2024-01-01T00:00:01.123456Z"}""";

  private InspectExamples() {}
}
