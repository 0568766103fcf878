package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a parameter to a query parameter, with the same types as {@link PathParam}. When the
 * parameter is absent the {@link #defaultValue()} is used; without one a reference type gets
 * {@code null} and a primitive answers 400.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface QueryParam {

  /** Marks "no default"; not a value anyone would write. */
  String NO_DEFAULT = "\u0000bulwark:no-default";

  /** The query parameter's name. */
  String value();

  /** The value used when the parameter is absent (converted like a given one, at start). */
  String defaultValue() default NO_DEFAULT;
}
