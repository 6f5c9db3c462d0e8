package dev.tally.security;

/** OpenAPI examples for /keys, taken from real responses. */
final class KeyExamples {

  static final String INGEST_REQUEST = """
      {"role":"ingest","clientIds":["client_A"],"description":"client_A's shop backend"}""";

  static final String READ_REQUEST = """
      {"role":"read","clientIds":["client_A","client_B"],"description":"dashboard","requestsPerSecond":20,"burst":40}""";

  static final String CREATED = """
      {"id":"key_5f0c2a9e41d7","key":"tally_q0Vd3m...43 characters...","role":"ingest","clientIds":["client_A"],\
      "description":"client_A's shop backend","createdAt":"2026-11-26T09:30:00.123456Z"}""";

  static final String LIST = """
      {"items":[{"id":"bootstrap","role":"admin","description":"tally.security.bootstrap-admin-key","createdAt":"2026-11-26T09:00:00Z"},\
      {"id":"key_5f0c2a9e41d7","role":"ingest","clientIds":["client_A"],"description":"client_A's shop backend",\
      "createdAt":"2026-11-26T09:30:00.123456Z"}]}""";

  static final String REVOKED = """
      {"id":"key_5f0c2a9e41d7","role":"ingest","clientIds":["client_A"],"description":"client_A's shop backend",\
      "createdAt":"2026-11-26T09:30:00.123456Z","revokedAt":"2026-11-26T10:00:00.654321Z"}""";

  private KeyExamples() {}
}
