package dev.bulwark.core.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.Callable;

/**
 * {@link Tracing} on the OpenTelemetry API; loaded by name only when the API is present.
 * Thread-safe: the tracer is looked up again when {@code GlobalOpenTelemetry} changes (tests
 * install a fresh SDK per class); two threads that race doing so store equal tracers.
 */
final class OtelTracing extends Tracing {

  /** The tracer of one OpenTelemetry instance. */
  private record Source(OpenTelemetry openTelemetry, Tracer tracer) {
  }

  private volatile Source source;

  Tracer tracer() {
    OpenTelemetry current = GlobalOpenTelemetry.get();
    Source s = source;
    if (s == null || s.openTelemetry() != current) {
      s = new Source(current, current.getTracer(SCOPE));
      source = s;
    }
    return s.tracer();
  }

  @Override
  public boolean active() {
    ContextInternal vertxContext = ContextInternal.current();
    if (vertxContext != null && vertxContext.tracer() == null) {
      return false;
    }
    return Span.current().getSpanContext().isValid();
  }

  @Override
  public <T> Callable<T> poolTask(String pool, Callable<T> task) {
    if (!active()) {
      return task;
    }
    return new OtelPoolTask<>(tracer(), pool, Context.current(), task);
  }

  @Override
  public void notRun(Callable<?> task, Throwable failure) {
    if (task instanceof OtelPoolTask<?> traced) {
      traced.notRun(failure);
    }
  }

  @Override
  public TraceSpan start(String name, boolean client) {
    if (!active()) {
      return null;
    }
    return new OtelSpan(tracer().spanBuilder(name)
        .setSpanKind(client ? SpanKind.CLIENT : SpanKind.INTERNAL)
        .startSpan());
  }

  @Override
  public TraceSpan startProducer(String name) {
    if (!active()) {
      return null;
    }
    return new OtelSpan(tracer().spanBuilder(name).setSpanKind(SpanKind.PRODUCER).startSpan());
  }

  @Override
  public TraceSpan startLinked(String name, String traceparent) {
    SpanContext link = parse(traceparent);
    if (link == null) {
      return null;
    }
    return new OtelSpan(tracer().spanBuilder(name)
        .setSpanKind(SpanKind.CONSUMER)
        .setNoParent()
        .addLink(link)
        .startSpan());
  }

  @Override
  public void route(String method, String template) {
    Span server = Span.current();
    if (server.getSpanContext().isValid()) {
      server.updateName(method + " " + template);
      server.setAttribute("http.route", template);
    }
  }

  /** The W3C {@code traceparent} of {@code context}: version 00, trace id, span id, flags. */
  static String traceparent(SpanContext context) {
    return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-"
        + context.getTraceFlags().asHex();
  }

  /** Parses a version-00 {@code traceparent}; {@code null} when it is absent or malformed. */
  static SpanContext parse(String traceparent) {
    if (traceparent == null || traceparent.length() != 55 || !traceparent.startsWith("00-")
        || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-') {
      return null;
    }
    String flags = traceparent.substring(53);
    for (int i = 0; i < 2; i++) {
      if (Character.digit(flags.charAt(i), 16) < 0) {
        return null;
      }
    }
    SpanContext context = SpanContext.createFromRemoteParent(traceparent.substring(3, 35),
        traceparent.substring(36, 52), TraceFlags.fromHex(flags, 0), TraceState.getDefault());
    return context.isValid() ? context : null;
  }
}
