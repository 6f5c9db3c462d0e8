package dev.tally.security;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The access rule a resource method declares — {@link Allowed} (which roles) and {@link KeyMayBeInBody} — and what it
 * decides for a caller. Each feature declares its own routes' rules; this class knows none of them. Pure, so the
 * rules are tested without HTTP ({@code AccessTest} also lists every endpoint's declaration).
 */
public record Access(Set<Role> roles, boolean keyMayBeInBody) {

  public Access {
    EnumSet<Role> copy = EnumSet.noneOf(Role.class);
    copy.addAll(roles);
    roles = Collections.unmodifiableSet(copy);
  }

  /** The rule declared on {@code method}, else on its class; empty when neither declares one: nobody may call it. */
  public static Optional<Access> declaredOn(Method method) {
    Class<?> resource = method.getDeclaringClass();
    Allowed allowed = method.isAnnotationPresent(Allowed.class) ? method.getAnnotation(Allowed.class) : resource.getAnnotation(Allowed.class);
    if (allowed == null) {
      return Optional.empty();
    }
    boolean inBody = method.isAnnotationPresent(KeyMayBeInBody.class) || resource.isAnnotationPresent(KeyMayBeInBody.class);
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    Collections.addAll(roles, allowed.value());
    return Optional.of(new Access(roles, inBody));
  }

  /**
   * Null when {@code caller} may make the request; otherwise why not (the 403's detail). {@code clientIds}: every
   * clientId query parameter, each of which a read key must be allowed to read.
   */
  public String deny(Caller caller, List<String> clientIds) {
    if (!roles.contains(caller.role())) {
      return article(caller.role()) + " key may not use this route"
          + (roles.isEmpty() ? "" : ": it is for " + names(roles) + " keys");
    }
    if (caller.role() == Role.READ) {
      for (String clientId : clientIds) {
        if (!caller.mayRead(clientId)) {
          return "this key may not read client " + (clientId.length() > 128 ? clientId.substring(0, 128) + "…" : clientId);
        }
      }
    }
    return null;
  }

  private static String article(Role role) {
    return (role == Role.READ ? "a " : "an ") + role.value();
  }

  /** "admin", "read and admin", "ingest, read and admin". */
  private static String names(Set<Role> roles) {
    List<String> names = new ArrayList<>();
    roles.forEach(role -> names.add(role.value()));
    String last = names.remove(names.size() - 1);
    return names.isEmpty() ? last : String.join(", ", names) + " and " + last;
  }
}
