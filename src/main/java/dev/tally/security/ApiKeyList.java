package dev.tally.security;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** GET /keys: every key, revoked ones included, oldest first; never a secret. */
@RegisterForReflection
public record ApiKeyList(List<ApiKey> items) {}
