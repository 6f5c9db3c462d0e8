package dev.tally.replay;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** A page of replays, newest first; {@code next} is the cursor for the following page (after), null at the end. */
@RegisterForReflection
public record ReplayPage(List<ReplayView> items, String next) {}
