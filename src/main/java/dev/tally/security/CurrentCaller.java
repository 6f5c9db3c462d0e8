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
  private String origin;

  void set(Caller caller) {
    this.caller = caller;
  }

  void route(Access access, String origin) {
    this.access = access;
    this.origin = origin;
  }

  /** The request's Origin header (a browser's cross-origin request); null when it has none. */
  String origin() {
    return origin;
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
