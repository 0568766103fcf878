package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a parameter to a {@code {name}} segment of the route's path template. Supported types:
 * {@code String}, {@code int}, {@code long}, {@code double}, {@code boolean} and their boxes,
 * {@code UUID} and enums; a value that does not convert answers 400 naming the parameter.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface PathParam {

  /** The segment's name in the template. */
  String value();
}
