package dev.tally.security;

import java.util.List;

/** GET /keys: every key, revoked ones included, oldest first; never a secret. */
public record ApiKeyList(List<ApiKey> items) {}
