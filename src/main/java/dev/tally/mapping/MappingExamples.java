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

  static final String PRESET_DEFINITION = """
      {"preset": "segment", "fields": {"amount": "/properties/revenue"}}""";

  static final String PRESET_VERSION = """
      {"clientId": "web_shop", "version": 1, "createdAt": "2026-11-26T10:00:00.123456Z",
       "definition": {"fields": {"amount": "/properties/revenue", "eventId": "/messageId", "metric": "/event", "timestamp": "/timestamp"},
                      "timestampFormat": "iso8601", "metricFormat": "snake_case"}}""";

  static final String PRESET_WITHOUT_AMOUNT = """
      {"type": "about:blank", "title": "Bad Request", "status": 400,
       "detail": "the mapping definition is invalid; nothing was stored",
       "errors": [{"field": "fields.amount", "code": "preset_requires_amount", "message": "the segment preset needs fields.amount: SDK messages have no amount field, so name the property that carries it, e.g. {\\"preset\\": \\"segment\\", \\"fields\\": {\\"amount\\": \\"/properties/revenue\\"}}"}]}""";

  static final String UNKNOWN_PRESET = """
      {"type": "about:blank", "title": "Bad Request", "status": 400,
       "detail": "the mapping definition is invalid; nothing was stored",
       "errors": [{"field": "preset", "code": "unknown_preset", "message": "\\"mixpanel\\" is not a preset; known presets: posthog, rudderstack, segment"}]}""";

  static final String PRESET = """
      {"name": "segment",
       "description": "Segment messages (analytics-node, POST /v1/batch): metric from event (snake_cased: \\"Order Completed\\" is order_completed), eventId from messageId, timestamp from timestamp, an ISO-8601 instant the SDK sets on every message",
       "definition": {"fields": {"eventId": "/messageId", "metric": "/event", "timestamp": "/timestamp"}, "timestampFormat": "iso8601", "metricFormat": "snake_case"},
       "note": "fields.amount is required: SDK messages have no amount field, so name the property that carries it, e.g. {\\"preset\\": \\"segment\\", \\"fields\\": {\\"amount\\": \\"/properties/revenue\\"}}"}""";

  static final String PRESETS = """
      {"items": [
        {"name": "posthog", "description": "PostHog events (posthog-node, POST /batch/): ...",
         "definition": {"fields": {"eventId": "/uuid", "metric": "/event", "timestamp": "/timestamp"}, "timestampFormat": "iso8601", "metricFormat": "snake_case"},
         "note": "fields.amount is required: ..."},
        {"name": "rudderstack", "description": "RudderStack messages (rudder-sdk-node, POST /v1/batch): ...",
         "definition": {"fields": {"eventId": "/messageId", "metric": "/event", "timestamp": "/originalTimestamp"}, "timestampFormat": "iso8601", "metricFormat": "snake_case"},
         "note": "fields.amount is required: ..."},
        {"name": "segment", "description": "Segment messages (analytics-node, POST /v1/batch): ...",
         "definition": {"fields": {"eventId": "/messageId", "metric": "/event", "timestamp": "/timestamp"}, "timestampFormat": "iso8601", "metricFormat": "snake_case"},
         "note": "fields.amount is required: ..."}]}""";

  private MappingExamples() {}
}
