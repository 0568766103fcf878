package dev.bulwark.core.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.Callable;

/**
 * A worker-pool task carrying its submitter's trace context: a {@code wait <pool>} span from the
 * submit to the start, then the task in a {@code run <pool>} span made current on the worker
 * thread, both children of the submitter's span. Written by the runner and read by the
 * submitter only after the pool's delivery hop, which orders them.
 */
final class OtelPoolTask<T> implements Callable<T> {

  /** The attribute naming the pool. */
  static final String POOL = "bulwark.pool.name";

  private final Tracer tracer;
  private final String pool;
  private final Context parent;
  private final Callable<T> task;
  private final Span wait;
  private volatile boolean started;

  OtelPoolTask(Tracer tracer, String pool, Context parent, Callable<T> task) {
    this.tracer = tracer;
    this.pool = pool;
    this.parent = parent;
    this.task = task;
    this.wait = tracer.spanBuilder("wait " + pool).setParent(parent).setAttribute(POOL, pool)
        .startSpan();
  }

  @Override
  public T call() throws Exception {
    started = true;
    wait.end();
    Span run = tracer.spanBuilder("run " + pool).setParent(parent).setAttribute(POOL, pool)
        .startSpan();
    try (Scope scope = parent.with(run).makeCurrent()) {
      return task.call();
    } catch (Throwable t) {
      OtelSpan.fail(run, t);
      throw t;
    } finally {
      run.end();
    }
  }

  void notRun(Throwable failure) {
    if (!started) {
      OtelSpan.fail(wait, failure);
      wait.end();
    }
  }
}
