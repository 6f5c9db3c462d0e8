package dev.tally.security;

import java.util.List;

/**
 * POST /keys. {@code role}: ingest (exactly one clientId), read (clientIds, or allClients true) or admin (no
 * clients). The rate limit fields override tally.security.rate-limit.* for this key.
 */
public record KeyRequest(String role, List<String> clientIds, Boolean allClients, String description,
    Integer requestsPerSecond, Integer burst) {}
