package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a parameter to the JSON request body, decoded with Jackson into the parameter's declared
 * (generic) type: records, POJOs, collections. A body that is not {@code application/json}
 * answers 415, malformed or mistyped JSON 400, a body over the server's limit 413. A
 * {@code String}, {@code byte[]} or {@code Buffer} parameter receives the raw body instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Body {
}
