package dev.tally.inspect;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** A page of raw records, newest first; {@code next} is the cursor for the following page, null at the end. */
@RegisterForReflection
public record RawEventPage(List<RawEventView> items, String next) {}
