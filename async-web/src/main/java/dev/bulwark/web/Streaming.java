package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How a handler's streamed result ({@code ReadStream}, {@code Stream}, {@code Iterator},
 * {@code Flow.Publisher}) is written. Optional: without it the format is
 * {@link StreamFormat#AUTO} and the other values their defaults. A {@link Streamed} result
 * carries the same settings per response and takes precedence.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Streaming {

  /** The encoding. */
  StreamFormat format() default StreamFormat.AUTO;

  /** CSV columns, in order (default: the record's components). */
  String[] columns() default {};

  /** SSE heartbeat interval, e.g. {@code "15s"}; {@code "0s"} for none. */
  String heartbeat() default "15s";

  /** SSE slow-consumer policy. */
  SlowConsumer slowConsumer() default SlowConsumer.DISCONNECT;

  /** With {@link SlowConsumer#DISCONNECT}: how long a stuck client may stay stuck. */
  String slowConsumerTimeout() default "30s";

  /** What to do with an SSE client that does not read fast enough. */
  enum SlowConsumer {
    /** Stop reading the source while the client is behind; disconnect it after the timeout. */
    DISCONNECT,
    /** Keep reading the source; while the client is behind keep only the latest event. */
    KEEP_LATEST
  }
}
