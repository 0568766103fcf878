package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a handler method to {@code PATCH} requests for a path template such as
 * {@code /products/{id}}; {@code {name}} segments are read with {@link PathParam}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Patch {

  /** The path template, starting with {@code /}. */
  String value();
}
