package dev.tally.mapping;

/** OpenAPI examples for the mapping endpoints. */
final class MappingExamples {

  static final String DEFINITION = """
      {"fields": {"amount": "/price", "timestamp": "/meta/ts", "metric": "/event", "eventId": "/txn"},
       "timestampFormat": "pattern:yyyy-MM-dd HH:mm:ss", "timezone": "Europe/Berlin", "amountScale": 2}""";

  static final String VERSION = """
      {"clientId": "legacy_shop", "version": 1, "createdAt": "2024-01-01T00:00:00.123456Z",
       "definition": {"fields": {"amount": "/price", "eventId": "/txn", "metric": "/event", "timestamp": "/meta/ts"},
                      "timestampFormat": "pattern:yyyy-MM-dd HH:mm:ss", "timezone": "Europe/Berlin", "amountScale": 2}}""";

  static final String INVALID = """
      {"type": "about:blank", "title": "Bad Request", "status": 400,
       "detail": "the mapping definition is invalid; nothing was stored",
       "errors": [{"field": "fields.price", "code": "unknown_field", "message": "price is not a canonical field a mapping can point at; expected amount, eventId, metric, timestamp"},
                  {"field": "timezone", "code": "unknown_timezone", "message": "\\"Mars/Olympus\\" is not an IANA time zone such as \\"Europe/Berlin\\""}]}""";

  private MappingExamples() {}
}
