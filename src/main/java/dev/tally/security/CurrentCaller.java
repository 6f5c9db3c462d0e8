package dev.tally.security;

import jakarta.enterprise.context.RequestScoped;

/** The caller of the current request, set by {@link AuthFilter} before the request reaches a resource. */
@RequestScoped
public class CurrentCaller {

  private Caller caller;

  void set(Caller caller) {
    this.caller = caller;
  }

  /** False only on the SDK routes before the endpoint has read the key from the body. */
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
