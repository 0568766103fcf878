package dev.bulwark.core.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/** A {@link TraceSpan} over an OpenTelemetry span. Not thread-safe (one owner). */
final class OtelSpan implements TraceSpan {

  private final Span span;

  OtelSpan(Span span) {
    this.span = span;
  }

  @Override
  public TraceSpan set(String key, String value) {
    span.setAttribute(key, value);
    return this;
  }

  @Override
  public TraceSpan set(String key, long value) {
    span.setAttribute(key, value);
    return this;
  }

  @Override
  public TraceSpan set(String key, boolean value) {
    span.setAttribute(key, value);
    return this;
  }

  @Override
  public void fail(Throwable failure) {
    fail(span, failure);
  }

  static void fail(Span span, Throwable failure) {
    span.recordException(failure);
    span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
  }

  @Override
  public void end() {
    span.end();
  }

  @Override
  public Scope makeCurrent() {
    io.opentelemetry.context.Scope scope = span.makeCurrent();
    return scope::close;
  }

  @Override
  public String traceparent() {
    return OtelTracing.traceparent(span.getSpanContext());
  }
}
