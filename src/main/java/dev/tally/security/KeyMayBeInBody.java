package dev.tally.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request to this resource (method, or every method of this class) may come without a key in its headers: its
 * protocol puts the key in the body (PostHog's {@code api_key}, Segment's {@code writeKey}), the path (the browser
 * SDKs' configuration routes, Snowplow's {@code /k/{key}/}) or the query (RudderStack's beacon {@code ?writeKey=}). {@link AuthFilter} then
 * lets it through unauthenticated, and the endpoint must call {@link Authenticator#authenticateFromBody} with the key
 * it found before it stores anything. A request that does bring a key in its headers is checked before the body is
 * read, as everywhere else.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface KeyMayBeInBody {}
