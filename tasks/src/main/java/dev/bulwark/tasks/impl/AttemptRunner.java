package dev.bulwark.tasks.impl;

import dev.bulwark.core.Durations;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.tasks.InvalidPayloadException;
import dev.bulwark.tasks.TaskQueueOptions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs attempts and stores their outcomes: decodes the payload, runs the handler (a blocking one
 * on the queue's {@link WorkerPool}, an async one on the queue's event loop), enforces the time
 * limit, and turns the result into succeeded, a retry after a backoff with full jitter, the
 * dead-letter list, or cancelled.
 *
 * <p>Implementation note: confined to the queue's context, like {@link Workers}, its owner. An
 * attempt is decided once ({@link Attempt#done}): whichever of completion, time limit or drain
 * comes first decides it, and a later completion of an abandoned handler is ignored. Storing an
 * outcome is retried every {@code pollInterval} while the store fails; the owner frees the handler
 * slot as soon as the outcome is decided and forgets the attempt once it is stored (or the claim
 * turned out lost).
 */
final class AttemptRunner {

  /** The loop that owns the slots. */
  interface Owner {
    /** The attempt's outcome is decided and about to be stored: its handler slot may be reused. */
    void decided(Attempt a);

    /** The attempt's outcome is stored (or its claim was lost); forget it. */
    void settled(Attempt a);

    /** A store call failed; log it once per outage. */
    void storeFailed(String what, Throwable cause);

    boolean closed();
  }

  private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);
  private static final int MAX_ERROR_LENGTH = 2000;

  private final Vertx vertx;
  private final ContextInternal ctx;
  private final TaskQueueOptions options;
  private final Backend backend;
  private final TaskClock clock;
  private final PayloadCodec codec;
  private final TaskMetrics metrics;
  private final Function<String, Registration> registrations;
  private final WorkerPool pool;
  private final Owner owner;
  private final long pollMs;

  AttemptRunner(Vertx vertx, ContextInternal ctx, TaskQueueOptions options, Backend backend,
      TaskClock clock, PayloadCodec codec, TaskMetrics metrics,
      Function<String, Registration> registrations, WorkerPool pool, Owner owner) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.options = options;
    this.backend = backend;
    this.clock = clock;
    this.codec = codec;
    this.metrics = metrics;
    this.registrations = registrations;
    this.pool = pool;
    this.owner = owner;
    this.pollMs = Math.max(1, options.pollInterval().toMillis());
  }

  /** A new attempt for a claimed task, reporting progress to the store. */
  Attempt attempt(Backend.Claimed c) {
    return new Attempt(c, this::progress);
  }

  /** Runs the attempt, or records at once why it cannot run; its outcome reaches the owner. */
  void run(Attempt a) {
    Backend.Claimed c = a.claimed;
    long now = clock.nowMillis();
    metrics.started(c.type(), now - c.readyAtMs());
    if (c.cancelRequested()) {
      a.done = true;
      metrics.cancelled(c.type());
      settle(a, () -> backend.cancelled(c, clock.nowMillis()));
      return;
    }
    if (c.attempt() > c.maxAttempts()) {
      a.done = true;
      metrics.dead(c.type());
      settle(a, () -> backend.fail(c, "gave up after " + c.maxAttempts() + " attempts: its worker"
          + " stopped renewing its claim while running attempt " + c.maxAttempts(), -1, clock.nowMillis()));
      return;
    }
    Registration reg = registrations.apply(c.type());
    if (reg == null) {
      a.done = true;
      fail(a, "no handler registered for task type '" + c.type() + "' on consumer "
          + options.consumerName(), false);
      return;
    }
    Object payload;
    try {
      payload = codec.decode(c.type(), c.payload(), reg.payloadType());
    } catch (InvalidPayloadException e) {
      a.done = true;
      metrics.dead(c.type());
      String error = "payload cannot be decoded: " + e.getMessage();
      settle(a, () -> backend.fail(c, truncate(error), -1, clock.nowMillis()));
      return;
    }
    long limit = c.timeLimitMs() > 0 ? c.timeLimitMs() : options.timeLimit().toMillis();
    if (limit > 0) {
      a.timer = vertx.setTimer(limit, id -> timeLimitReached(a, limit));
    }
    a.startNanos = clock.nanos();
    a.span = TaskTracing.process(options.name(), c);
    if (a.span == null) {
      invoke(a, reg, payload);
    } else {
      try (TraceSpan.Scope scope = a.span.makeCurrent()) {
        invoke(a, reg, payload);
      }
    }
  }

  /** Runs the handler: a blocking one on the pool, an async one here. */
  private void invoke(Attempt a, Registration reg, Object payload) {
    Backend.Claimed c = a.claimed;
    if (reg.blocking() != null) {
      Future<Object> f = pool.submit(() -> a.runBlocking(reg.blocking(), payload));
      onCtx(f, ar -> completed(a, ar));
    } else {
      Future<Object> f;
      try {
        f = reg.async().run(payload, a);
        if (f == null) {
          f = Future.failedFuture(new NullPointerException("async handler of '" + c.type()
              + "' returned null instead of a Future"));
        }
      } catch (Throwable t) {
        f = Future.failedFuture(t);
      }
      onCtx(f, ar -> completed(a, ar));
    }
  }

  private void timeLimitReached(Attempt a, long limitMs) {
    a.timer = -1;
    if (a.done) {
      return;
    }
    a.done = true;
    a.stop(Attempt.StopReason.TIME_LIMIT);
    TaskTracing.end(a.span, new IllegalStateException("time limit of " + limitMs + " ms exceeded"));
    metrics.ran(a.claimed.type(), clock.nanos() - a.startNanos);
    fail(a, "time limit of " + Durations.format(Duration.ofMillis(limitMs)) + " exceeded", true);
  }

  private void completed(Attempt a, AsyncResult<Object> ar) {
    if (a.done) {
      return;
    }
    a.done = true;
    if (a.timer != -1) {
      vertx.cancelTimer(a.timer);
      a.timer = -1;
    }
    Backend.Claimed c = a.claimed;
    metrics.ran(c.type(), clock.nanos() - a.startNanos);
    TaskTracing.end(a.span, ar.cause());
    if (a.stopReason() == Attempt.StopReason.CLAIM_LOST) {
      release(a);
      return;
    }
    if (ar.succeeded()) {
      String json;
      try {
        json = ar.result() == null ? "" : codec.encode(c.type(), ar.result());
      } catch (RuntimeException e) {
        fail(a, "result cannot be encoded as JSON: " + e.getMessage(), true);
        return;
      }
      metrics.succeeded(c.type());
      settle(a, () -> backend.succeed(c, json, clock.nowMillis()));
    } else if (a.stopReason() == Attempt.StopReason.CANCELLED) {
      metrics.cancelled(c.type());
      settle(a, () -> backend.cancelled(c, clock.nowMillis()));
    } else {
      fail(a, describe(ar.cause()), true);
    }
  }

  private void fail(Attempt a, String error, boolean countAttempt) {
    Backend.Claimed c = a.claimed;
    boolean dead = c.attempt() >= c.maxAttempts();
    long retryAt = dead ? -1 : clock.nowMillis() + backoffMs(c.attempt());
    if (countAttempt) {
      metrics.failed(c.type(), dead);
    } else if (dead) {
      metrics.dead(c.type());
    }
    String e = truncate(error);
    settle(a, () -> backend.fail(c, e, retryAt, clock.nowMillis()));
  }

  /** Full jitter: uniform in [0, min(backoffMax, backoffBase * 2^(attempt-1))]. */
  long backoffMs(int attempt) {
    long base = options.backoffBase().toMillis();
    long cap = options.backoffMax().toMillis();
    long ceiling = attempt >= 31 ? cap : Math.min(cap, base << Math.max(0, attempt - 1));
    if (ceiling < 0) {
      ceiling = cap;
    }
    return ThreadLocalRandom.current().nextLong(ceiling + 1);
  }

  /** Hands a claimed task back to the queue, uncounted. */
  void release(Attempt a) {
    settle(a, () -> backend.release(a.claimed, clock.nowMillis()));
  }

  /**
   * Stores an outcome, retrying while the store fails, then tells the owner. The handler slot is
   * given back first ({@link Owner#decided}), so that the next task's claim overlaps this store
   * instead of waiting for it. A false answer (the lease was lost to another worker) settles too:
   * that worker owns the task now.
   */
  private void settle(Attempt a, Supplier<Future<Boolean>> store) {
    boolean first = !a.storing;
    a.storing = true;
    Future<Boolean> stored = store.get();
    if (first) {
      owner.decided(a);
    }
    onCtx(stored, ar -> {
      if (ar.failed() && !owner.closed()) {
        owner.storeFailed("storing the outcome of task " + a.claimed.id(), ar.cause());
        vertx.setTimer(pollMs, id -> settle(a, store));
        return;
      }
      if (ar.succeeded() && !ar.result()) {
        LOG.info("task queue '{}': task {} was taken over by another worker; its outcome here is"
            + " dropped", options.name(), a.claimed.id());
      }
      owner.settled(a);
    });
  }

  private void progress(Attempt a, double fraction, String message) {
    backend.progress(a.claimed, fraction, message).onFailure(e -> LOG.debug(
        "task queue '{}': progress of {} not stored: {}", options.name(), a.claimed.id(), e.getMessage()));
  }

  /**
   * Handles {@code f}'s outcome on the queue's context, always as a new event: the in-process
   * store and synchronous handlers complete at once, and handling inline would recurse
   * (settle, claim, run, settle...) without bound.
   */
  private <T> void onCtx(Future<T> f, Handler<AsyncResult<T>> h) {
    f.onComplete(ar -> ctx.runOnContext(v -> h.handle(ar)));
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static String truncate(String s) {
    return s.length() <= MAX_ERROR_LENGTH ? s : s.substring(0, MAX_ERROR_LENGTH) + "...";
  }
}
