package dev.tally.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Which keys may call a resource method: the roles listed, nobody else. On the method, or on its class for every
 * method there (a method's own declaration wins). A method with neither is refused to every key (403), so a new
 * endpoint is closed until it says who may call it; {@code AccessTest} lists every endpoint with its roles and fails
 * the build when one is missing or differs.
 *
 * <p>A read key is further limited to its clients: every {@code clientId} query parameter must be one of them.
 * Admin keys are listed like any other role: {@code @Allowed({Role.READ, Role.ADMIN})}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Allowed {

  Role[] value();
}
