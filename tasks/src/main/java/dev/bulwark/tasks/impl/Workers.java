package dev.bulwark.tasks.impl;

import dev.bulwark.core.Durations;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.tasks.InvalidPayloadException;
import dev.bulwark.tasks.TaskQueueOptions;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of a queue: claims tasks, runs them, renews their claims and records outcomes.
 *
 * <p>Implementation note: all state but {@code running} (read by the gauge) is confined to one
 * event-loop context, {@code ctx}; backend futures hop back onto it before they touch state, so
 * no lock is needed. {@code inFlight} counts slots: an attempt holds one from its claim until its
 * outcome is stored (a time limit stores a failure at once, so its slot frees even though the
 * abandoned handler may still run). One claim is in flight at a time ({@code polling}); a claim
 * that filled every free slot is followed at once by the next, otherwise the loop sleeps for
 * {@code pollInterval} or until {@link #wake()}. A heartbeat renews every claim each
 * {@code min(visibilityTimeout / 3, 1 s)} and brings back cancel requests and lost claims; a
 * reclaim each {@code min(visibilityTimeout / 2, 5 s)} takes over tasks whose worker died. An
 * outcome that could not be stored (the store is down) is retried every {@code pollInterval}
 * while the attempt keeps its slot and its claim, so a short outage costs no rerun.
 */
final class Workers {

  private static final Logger LOG = LoggerFactory.getLogger(Workers.class);
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
  private final Map<String, Attempt> running = new ConcurrentHashMap<>();
  private final long pollMs;
  private int inFlight;
  private boolean polling;
  private boolean started;
  private boolean draining;
  private boolean closed;
  private boolean storeFailing;
  private long pollTimer = -1;
  private long reclaimTimer = -1;
  private long heartbeatTimer = -1;
  private Promise<Void> drained;
  private volatile long lastLoopNanos;

  Workers(Vertx vertx, ContextInternal ctx, TaskQueueOptions options, Backend backend, TaskClock clock,
      PayloadCodec codec, TaskMetrics metrics, Function<String, Registration> registrations) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.options = options;
    this.backend = backend;
    this.clock = clock;
    this.codec = codec;
    this.metrics = metrics;
    this.registrations = registrations;
    this.pollMs = Math.max(1, options.pollInterval().toMillis());
    // Slack in the pool's queue for handlers that outlive their time limit: their slot is freed,
    // their thread is not.
    this.pool = WorkerPool.builder().name("tasks-" + options.name())
        .maxConcurrency(options.concurrency()).maxQueue(options.concurrency())
        .queueTimeout(Duration.ofDays(1)).shedEarly(false).meterRegistry(options.meterRegistry())
        .ticker(options.ticker()).build();
  }

  /** Tasks this instance runs now. */
  int running() {
    return running.size();
  }

  /** Whether the loop runs and polled within a few poll intervals (or a Redis timeout). */
  boolean alive() {
    long bound = Math.max(5 * pollMs, 2 * options.redisTimeout().toMillis()) * 1_000_000L;
    return started && !draining && clock.nanos() - lastLoopNanos <= bound;
  }

  boolean draining() {
    return draining;
  }

  /** Replays this consumer's own pending tasks, then starts polling. */
  void start() {
    ctx.runOnContext(v -> {
      if (draining) {
        return;
      }
      started = true;
      lastLoopNanos = clock.nanos();
      polling = true;
      onCtx(backend.claim(options.concurrency(), true, clock.nowMillis()), ar -> {
        polling = false;
        if (ar.succeeded()) {
          ar.result().forEach(this::begin);
        } else {
          LOG.warn("task queue '{}': cannot replay own pending tasks: {}", options.name(),
              ar.cause().getMessage());
        }
        long visibility = options.visibilityTimeout().toMillis();
        heartbeatTimer = vertx.setPeriodic(Math.max(10, Math.min(visibility / 3, 1000)), id -> heartbeat());
        if (draining) {
          checkDrained();
          return;
        }
        reclaimTimer = vertx.setPeriodic(Math.max(10, Math.min(visibility / 2, 5000)), id -> reclaim());
        pump();
      });
    });
  }

  /** Polls now instead of at the next poll interval (a task was just submitted here). */
  void wake() {
    ctx.runOnContext(v -> {
      if (pollTimer != -1) {
        vertx.cancelTimer(pollTimer);
        pollTimer = -1;
      }
      pump();
    });
  }

  /** Tells a task this instance runs that it was cancelled. */
  void cancelLocal(String id) {
    Attempt a = running.get(id);
    if (a != null) {
      a.stop(Attempt.StopReason.CANCELLED);
    }
  }

  private void pump() {
    if (!started || draining || polling) {
      return;
    }
    int free = options.concurrency() - inFlight;
    if (free <= 0) {
      return;
    }
    polling = true;
    onCtx(backend.claim(free, false, clock.nowMillis()), ar -> {
      polling = false;
      lastLoopNanos = clock.nanos();
      if (ar.failed()) {
        storeFailed("claim", ar.cause());
        schedulePoll();
        return;
      }
      storeAnswered();
      List<Backend.Claimed> claimed = ar.result();
      claimed.forEach(this::begin);
      if (draining) {
        checkDrained();
      } else if (claimed.size() == free) {
        pump();
      } else {
        schedulePoll();
      }
    });
  }

  private void schedulePoll() {
    if (pollTimer == -1 && !draining) {
      pollTimer = vertx.setTimer(pollMs, id -> {
        pollTimer = -1;
        pump();
      });
    }
  }

  private void reclaim() {
    int free = options.concurrency() - inFlight;
    if (draining || free <= 0) {
      return;
    }
    onCtx(backend.reclaim(free, clock.nowMillis()), ar -> {
      if (ar.succeeded()) {
        for (Backend.Claimed c : ar.result()) {
          LOG.info("task queue '{}': took over task {} ({}), attempt {}, from a worker that stopped"
              + " renewing its claim", options.name(), c.id(), c.type(), c.attempt());
          begin(c);
        }
      }
    });
  }

  private void heartbeat() {
    if (running.isEmpty()) {
      return;
    }
    List<Attempt> attempts = new ArrayList<>(running.values());
    List<Backend.Claimed> claims = new ArrayList<>(attempts.size());
    attempts.forEach(a -> claims.add(a.claimed));
    onCtx(backend.heartbeat(claims, clock.nowMillis()), ar -> {
      if (ar.failed()) {
        storeFailed("renewing claims", ar.cause());
        return;
      }
      List<Integer> outcomes = ar.result();
      for (int i = 0; i < outcomes.size(); i++) {
        int o = outcomes.get(i);
        if (o == Backend.HEARTBEAT_CANCEL) {
          attempts.get(i).stop(Attempt.StopReason.CANCELLED);
        } else if (o == Backend.HEARTBEAT_LOST) {
          attempts.get(i).stop(Attempt.StopReason.CLAIM_LOST);
        }
      }
    });
  }

  private void begin(Backend.Claimed c) {
    inFlight++;
    Attempt a = new Attempt(c, this::progress);
    running.put(c.id(), a);
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

  private void release(Attempt a) {
    settle(a, () -> backend.release(a.claimed, clock.nowMillis()));
  }

  /**
   * Stores an outcome, retrying while the store fails, then frees the slot. A false answer
   * (the lease was lost to another worker) frees the slot too: that worker owns the task now.
   */
  private void settle(Attempt a, Supplier<Future<Boolean>> store) {
    onCtx(store.get(), ar -> {
      if (ar.failed() && !closed) {
        storeFailed("storing the outcome of task " + a.claimed.id(), ar.cause());
        vertx.setTimer(pollMs, id -> settle(a, store));
        return;
      }
      if (ar.succeeded() && !ar.result()) {
        LOG.info("task queue '{}': task {} was taken over by another worker; its outcome here is"
            + " dropped", options.name(), a.claimed.id());
      }
      running.remove(a.claimed.id(), a);
      inFlight--;
      if (draining) {
        checkDrained();
      } else {
        pump();
      }
    });
  }

  private void progress(Attempt a, double fraction, String message) {
    backend.progress(a.claimed, fraction, message).onFailure(e -> LOG.debug(
        "task queue '{}': progress of {} not stored: {}", options.name(), a.claimed.id(), e.getMessage()));
  }

  /** Stops claiming; running tasks get {@code grace}, then are handed back to the queue. */
  Future<Void> drain(Duration grace) {
    Promise<Void> result = ctx.promise();
    ctx.runOnContext(v -> {
      if (drained == null) {
        drained = ctx.promise();
        draining = true;
        if (pollTimer != -1) {
          vertx.cancelTimer(pollTimer);
          pollTimer = -1;
        }
        if (reclaimTimer != -1) {
          vertx.cancelTimer(reclaimTimer);
          reclaimTimer = -1;
        }
        if (grace.isZero()) {
          abandonRunning();
        } else {
          vertx.setTimer(Math.max(1, grace.toMillis()), id -> abandonRunning());
        }
        checkDrained();
      }
      drained.future().onComplete(result);
    });
    return result.future();
  }

  private void abandonRunning() {
    for (Attempt a : new ArrayList<>(running.values())) {
      if (!a.done) {
        a.done = true;
        if (a.timer != -1) {
          vertx.cancelTimer(a.timer);
        }
        a.stop(Attempt.StopReason.SHUTDOWN);
        LOG.info("task queue '{}': task {} still running after the drain grace; handed back to the"
            + " queue", options.name(), a.claimed.id());
        release(a);
      }
    }
  }

  private void checkDrained() {
    if (drained != null && inFlight == 0 && !polling) {
      drained.tryComplete();
    }
  }

  /** After a drain: stops the timers and the worker pool. */
  Future<Void> close() {
    Promise<Void> p = ctx.promise();
    ctx.runOnContext(v -> {
      closed = true;
      if (heartbeatTimer != -1) {
        vertx.cancelTimer(heartbeatTimer);
      }
      pool.close(Duration.ZERO).onComplete(ar -> {
        removePoolMeters();
        p.complete();
      });
    });
    return p.future();
  }

  /** Logs the first failure of an outage as a warning, the rest at debug level. */
  private void storeFailed(String what, Throwable cause) {
    if (!storeFailing) {
      storeFailing = true;
      LOG.warn("task queue '{}': {} failed: {}; retrying every {}", options.name(), what,
          cause.getMessage(), Durations.format(options.pollInterval()));
    } else {
      LOG.debug("task queue '{}': {} failed: {}", options.name(), what, cause.getMessage());
    }
  }

  private void storeAnswered() {
    if (storeFailing) {
      storeFailing = false;
      LOG.info("task queue '{}': the store answers again", options.name());
    }
  }

  /** The worker pool registers meters tagged with its name but leaves them on close; this queue owns them. */
  private void removePoolMeters() {
    MeterRegistry registry = options.meterRegistry();
    if (registry != null) {
      String poolName = pool.name();
      for (Meter m : new ArrayList<>(registry.getMeters())) {
        if (poolName.equals(m.getId().getTag("pool"))) {
          registry.remove(m);
        }
      }
    }
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
