package dev.bulwark.core.internal;

/**
 * A span that Bulwark started through {@link Tracing}, in terms that need no OpenTelemetry type,
 * so that a module can hold one without the OpenTelemetry API on its class path. Not
 * thread-safe: one owner sets its attributes and ends it, on any thread.
 */
public interface TraceSpan {

  /** Sets a string attribute; returns this span. */
  TraceSpan set(String key, String value);

  /** Sets a long attribute; returns this span. */
  TraceSpan set(String key, long value);

  /** Sets a boolean attribute; returns this span. */
  TraceSpan set(String key, boolean value);

  /** Records {@code failure} as an exception event and marks the span as an error. */
  void fail(Throwable failure);

  /** Ends the span; it is exported by the SDK from then on. */
  void end();

  /**
   * Makes this span the current one on this thread (or Vert.x context) until the returned scope
   * is closed, so that spans started meanwhile are its children.
   */
  Scope makeCurrent();

  /** This span as a W3C {@code traceparent} value, to be carried where a header cannot go. */
  String traceparent();

  /** A scope of {@link #makeCurrent()}; closing it restores what was current before. */
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
