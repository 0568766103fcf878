package dev.bulwark.core.impl;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;

/**
 * One task submitted to a {@link DefaultWorkerPool}: its callable, where to deliver the result,
 * and its queue state. It is also the runner that the executor starts and the handler that
 * completes its future on the submitter's context, so a task costs no allocation beyond itself,
 * its promise and (when it waits) a queue node. Its state is claimed by compare-and-set, so
 * exactly one owner takes a queued task; the outcome fields are written by the runner and read
 * after the hand-off to the context (which orders them).
 */
final class PoolTask<T> implements Runnable, Handler<Void> {
  static final int NEW = 0;
  static final int QUEUED = 1;
  static final int TAKEN = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PoolTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final DefaultWorkerPool pool;
  final Callable<T> callable;
  final Context context;
  final long submittedAt; // by the pool's ticker; 0 for a task admitted to a slot at once
                          // while no queue-wait timer is registered
  final Promise<T> promise = Promise.promise();
  long enqueuedAt; // System.nanoTime() when queued, for the sweep
  int state; // NEW, or QUEUED until claimed (compare-and-set) by exactly one owner
  private T result; // written by the runner, read on the context after the hop
  private Throwable failure;

  PoolTask(DefaultWorkerPool pool, Callable<T> callable, Context context, long submittedAt) {
    this.pool = pool;
    this.callable = callable;
    this.context = context;
    this.submittedAt = submittedAt;
  }

  boolean claim() {
    return STATE.compareAndSet(this, QUEUED, TAKEN);
  }

  int state() {
    return (int) STATE.getAcquire(this);
  }

  /** The executor's entry: run this task, then queued ones, on this thread. */
  @Override
  public void run() {
    pool.runLoop(this);
  }

  /** Runs the callable and keeps its outcome for {@link #deliver()}. */
  void call() {
    try {
      result = callable.call();
    } catch (Throwable t) {
      failure = t;
    }
  }

  /** Completes the future with the outcome of {@link #call()}, on the submitter's context. */
  void deliver() {
    Deliver.on(context, this);
  }

  void fail(Throwable t) {
    failure = t;
    Deliver.on(context, this);
  }

  @Override
  public void handle(Void ignored) {
    Throwable f = failure;
    if (f != null) {
      promise.tryFail(f);
    } else {
      promise.tryComplete(result);
    }
  }
}
