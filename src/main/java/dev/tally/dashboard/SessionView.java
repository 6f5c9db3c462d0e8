package dev.tally.dashboard;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * Who the presented key is, for the dashboard: its id and role, and the clients it may read ({@code clients}: its own
 * list for a scoped read key, otherwise every client with outcomes or aggregates). {@code scoped} says the list is
 * the key's own.
 */
@RegisterForReflection
public record SessionView(String keyId, String role, boolean scoped, List<String> clients) {}
