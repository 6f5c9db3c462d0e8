package dev.tally.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Web pages on other origins may call this resource (method, or every method of this class): the routes browser SDKs
 * use. {@link BrowserCors} answers their CORS preflights and lets the page read the answers; every other route gets
 * no CORS header, so a browser keeps other origins' pages away from it. Which origins a key may be sent from is the
 * key's own setting ({@link Origins}), checked when the key is.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface CrossOrigin {}
