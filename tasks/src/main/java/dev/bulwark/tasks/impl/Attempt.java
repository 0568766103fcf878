package dev.bulwark.tasks.impl;

import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.tasks.TaskContext;
import dev.bulwark.tasks.TaskHandler;
import java.util.concurrent.CancellationException;

/**
 * One attempt of a claimed task and the {@link TaskContext} its handler sees.
 *
 * <p>Implementation note: {@code done}, {@code timer} and {@code startNanos} belong to the
 * queue's context (only {@link Workers} touches them, on that context). {@code cancelled} and
 * {@code abandoned} are volatile flags read by the handler's thread. The handler's thread is
 * recorded under this object's monitor while a blocking handler runs, so that a time limit or a
 * drain past its grace interrupts exactly this attempt's thread and never the next task the
 * pool thread picks up (the flag is cleared under the same monitor when the handler returns).
 */
final class Attempt implements TaskContext {

  /** Where progress reports go. */
  @FunctionalInterface
  interface ProgressSink {
    void report(Attempt attempt, double fraction, String message);
  }

  /** Why an attempt was told to stop. */
  enum StopReason { CANCELLED, TIME_LIMIT, SHUTDOWN, CLAIM_LOST }

  final Backend.Claimed claimed;
  private final ProgressSink progressSink;
  private volatile StopReason stopReason;
  private volatile boolean abandoned;
  private Thread thread;

  boolean done;
  /** Its outcome is decided and being stored; its handler slot is free. */
  boolean storing;
  long timer = -1;
  long startNanos;
  /** Its {@code process} span while the handler runs, or null when untraced. */
  TraceSpan span;

  Attempt(Backend.Claimed claimed, ProgressSink progressSink) {
    this.claimed = claimed;
    this.progressSink = progressSink;
  }

  @Override
  public String id() {
    return claimed.id();
  }

  @Override
  public String type() {
    return claimed.type();
  }

  @Override
  public int attempt() {
    return claimed.attempt();
  }

  @Override
  public String idempotencyKey() {
    return claimed.idempotencyKey();
  }

  @Override
  public boolean cancelled() {
    return stopReason != null;
  }

  /** Why the attempt was told to stop, or null. */
  StopReason stopReason() {
    return stopReason;
  }

  @Override
  public void progress(double fraction, String message) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be within 0 and 1, but was " + fraction);
    }
    progressSink.report(this, fraction, message);
  }

  /**
   * Tells the handler to stop. A time limit or a shutdown also interrupts a blocking handler's
   * thread; a user's cancel does not (the handler decides where it is safe to stop).
   */
  void stop(StopReason reason) {
    if (stopReason == null || reason != StopReason.CANCELLED) {
      stopReason = reason;
    }
    if (reason == StopReason.CANCELLED) {
      return;
    }
    abandoned = true;
    synchronized (this) {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }

  /** Runs a blocking handler on the calling pool thread; refuses when abandoned before it began. */
  <P> Object runBlocking(TaskHandler<P, ?> handler, P payload) throws Exception {
    synchronized (this) {
      if (abandoned) {
        throw new CancellationException("abandoned before it started");
      }
      thread = Thread.currentThread();
    }
    try {
      return handler.run(payload, this);
    } finally {
      synchronized (this) {
        thread = null;
        // An interrupt meant for this attempt must not leak into the pool thread's next task.
        Thread.interrupted();
      }
    }
  }
}
