package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Bounds a numeric path, query or header parameter; a value outside answers 400 naming the
 * parameter, the bounds and the value. Checked at start against the default value too.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Range {

  /** The smallest allowed value, inclusive. */
  long min() default Long.MIN_VALUE;

  /** The largest allowed value, inclusive. */
  long max() default Long.MAX_VALUE;
}
