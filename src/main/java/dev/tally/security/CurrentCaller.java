package dev.tally.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * The caller of the current request, set by {@link AuthFilter} before the request reaches a resource, and the access
 * rule of the route it matched (for a key that only the endpoint finds, in the body).
 */
@RequestScoped
public class CurrentCaller {

  private Caller caller;
  private Access access;

  void set(Caller caller) {
    this.caller = caller;
  }

  void route(Access access) {
    this.access = access;
  }

  /** The matched route's rule; null before {@link AuthFilter} has run. */
  Access access() {
    return access;
  }

  /** False only on {@link KeyMayBeInBody} routes before the endpoint has read the key from the body. */
  public boolean authenticated() {
    return caller != null;
  }

  public Caller get() {
    if (caller == null) {
      // Every API route passes AuthFilter first; reaching here without a caller is a wiring bug, not a guest.
      throw new IllegalStateException("no authenticated caller for this request");
    }
    return caller;
  }
}
