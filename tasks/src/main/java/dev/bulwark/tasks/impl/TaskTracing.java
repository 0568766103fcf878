package dev.bulwark.tasks.impl;

import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.core.internal.Tracing;

/**
 * The spans of a task: {@code submit <type>} (a producer span, child of the submitter's span,
 * whose W3C {@code traceparent} is stored with the task, in Redis too) and
 * {@code process <type>} for each attempt (a consumer span starting its own trace, linked to the
 * submit span, current while the handler runs so that its spans are children). Nothing happens
 * without the OpenTelemetry API, for a submit without a current span, or for a task stored
 * without a traceparent. Stateless.
 */
final class TaskTracing {

  private static final Tracing TRACING = Tracing.get();

  private TaskTracing() {
  }

  /** The submit span of a task, or null when untraced. */
  static TraceSpan submit(String queue, String type, String id) {
    TraceSpan span = TRACING == null ? null : TRACING.startProducer("submit " + type);
    if (span != null) {
      span.set("bulwark.task.queue", queue).set("bulwark.task.type", type).set("bulwark.task.id", id);
    }
    return span;
  }

  /** The span of one attempt, linked to its submit span; null when untraced. */
  static TraceSpan process(String queue, Backend.Claimed c) {
    if (TRACING == null || c.traceparent() == null) {
      return null;
    }
    TraceSpan span = TRACING.startLinked("process " + c.type(), c.traceparent());
    if (span != null) {
      span.set("bulwark.task.queue", queue).set("bulwark.task.type", c.type())
          .set("bulwark.task.id", c.id()).set("bulwark.task.attempt", c.attempt());
    }
    return span;
  }

  /** Ends {@code span} (when there is one), as an error when {@code failure} is not null. */
  static void end(TraceSpan span, Throwable failure) {
    if (span == null) {
      return;
    }
    if (failure != null) {
      span.fail(failure);
    }
    span.end();
  }
}
