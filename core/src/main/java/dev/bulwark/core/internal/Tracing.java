package dev.bulwark.core.internal;

import java.util.concurrent.Callable;

/**
 * Bulwark's own spans (worker-pool wait and run, database statements, cache lookups, tasks),
 * made with the OpenTelemetry API when it is on the class path, beside the server spans of
 * Vert.x's OpenTelemetry integration. Thread-safe.
 *
 * <p>Design: OpenTelemetry is an optional dependency of every module. This class names no
 * OpenTelemetry type, and its one implementation ({@code OtelTracing}) is loaded by name only
 * when the API is present, so a module without it loads nothing of it and {@link #get()} is
 * {@code null}: callers keep it in a {@code static final} field and test it for {@code null},
 * which the JIT folds away. With the API present, spans are made only as children of a span
 * that is already current ({@link #active()}): on a Vert.x context whose Vert.x instance has no
 * tracer that is a single field read, so untraced requests cost nothing more. Spans go to
 * {@code GlobalOpenTelemetry}, which is also what Vert.x's {@code OpenTelemetryOptions} uses.
 */
public abstract class Tracing {

  /** The instrumentation scope of Bulwark's spans. */
  public static final String SCOPE = "dev.bulwark";

  private static final Tracing INSTANCE = load();

  /** For the implementation only. */
  Tracing() {
  }

  /** The tracing of this process, or {@code null} when the OpenTelemetry API is absent. */
  public static Tracing get() {
    return INSTANCE;
  }

  private static Tracing load() {
    ClassLoader loader = Tracing.class.getClassLoader();
    try {
      Class.forName("io.opentelemetry.api.GlobalOpenTelemetry", false, loader);
      return (Tracing) Class.forName("dev.bulwark.core.internal.OtelTracing", true, loader)
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  /**
   * Whether a span is current here for Bulwark's spans to continue: on a Vert.x context, only
   * when its Vert.x instance traces; elsewhere (a worker thread), when a span is current.
   */
  public abstract boolean active();

  /**
   * Wraps a worker-pool task so that it runs under the submitter's trace context, in a
   * {@code run <pool>} span after a {@code wait <pool>} span that covers its time in the queue.
   * Returns {@code task} itself when not {@link #active()}. Call on the submitter's thread.
   */
  public abstract <T> Callable<T> poolTask(String pool, Callable<T> task);

  /**
   * Tells a task from {@link #poolTask} that it failed without running (rejected, timed out in
   * the queue, withdrawn): its wait span ends as an error. Does nothing for any other task.
   */
  public abstract void notRun(Callable<?> task, Throwable failure);

  /**
   * Starts a span as a child of the current one, or returns {@code null} when not
   * {@link #active()}.
   *
   * @param client a client span (a call to a database or Redis) rather than an internal one
   */
  public abstract TraceSpan start(String name, boolean client);

  /** Starts a producer span (a task submitted), a child of the current span; null when not active. */
  public abstract TraceSpan startProducer(String name);

  /**
   * Starts a consumer span (a task run) in a new trace, linked to the span a W3C
   * {@code traceparent} names; {@code null} when {@code traceparent} is null or malformed.
   */
  public abstract TraceSpan startLinked(String name, String traceparent);

  /**
   * Names the current server span after the route it matched ({@code GET /users/{id}}) and sets
   * {@code http.route}; does nothing without a current span.
   */
  public abstract void route(String method, String template);
}
