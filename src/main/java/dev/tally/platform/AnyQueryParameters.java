package dev.tally.platform;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts a resource from {@link QueryParameterFilter}: the SDK-compatibility routes accept whatever query parameters
 * their SDKs send (cache busters, versions, compression flags), as the contract says.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AnyQueryParameters {}
