package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the handler on a worker pool even if its return type is asynchronous. On a class, applies
 * to every handler method in it that does not say otherwise. {@code @Blocking("reports")} picks
 * a named pool (a bulkhead), which must be configured on the server, or start fails.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Blocking {

  /** The worker pool's name; empty means the server's default pool. */
  String value() default "";
}
