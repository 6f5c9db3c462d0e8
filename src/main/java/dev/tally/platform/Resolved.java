package dev.tally.platform;

import jakarta.enterprise.inject.Instance;
import java.util.function.Supplier;

/**
 * A bean looked up on first use, then kept. Request filters and exception mappers are created at static init, before
 * runtime configuration exists, so they inject {@code Instance<T>}; resolving it on every request made a new
 * configuration-mapping bean each time (a profile under single-event load put 2 % of the JVM's CPU there). Only for
 * what may be kept for the application's life: configuration mappings (immutable) and normal-scoped beans (what is
 * kept is their client proxy, which finds the current instance on each call).
 */
public final class Resolved<T> implements Supplier<T> {

  private final Supplier<Instance<T>> instance;
  private volatile T value;

  /** {@code instance} gives the injected field, read on first use (it is injected after the owner is constructed). */
  public Resolved(Supplier<Instance<T>> instance) {
    this.instance = instance;
  }

  @Override
  public T get() {
    T resolved = value;
    if (resolved == null) {
      resolved = instance.get().get();
      value = resolved;
    }
    return resolved;
  }
}
