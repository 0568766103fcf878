package dev.bulwark.tasks.impl;

import dev.bulwark.core.Durations;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.tasks.TaskQueueOptions;
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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of a queue: claims tasks, hands them to the {@link AttemptRunner}, renews their
 * claims, takes over the tasks of dead workers, and drains.
 *
 * <p>Implementation note: all state but {@code running} (read by the gauge) is confined to one
 * event-loop context, {@code ctx}; backend futures hop back onto it before they touch state, so
 * no lock is needed. {@code inFlight} counts handler slots: an attempt holds one from its claim
 * until its outcome is decided (a time limit decides a failure at once, so its slot frees even
 * though the abandoned handler may still run). {@code storing} counts decided attempts whose
 * outcome is not stored yet; they stay in {@code running}, so their claims are still renewed, and
 * the next claim overlaps their store instead of waiting one more round trip for it. At most
 * {@code concurrency} outcomes are stored at a time beyond the running attempts: while the store
 * is slow or down, claims stop rather than pile up attempts. One claim is in flight at a time
 * ({@code polling}); a claim that filled every free slot, or during which a wake-up came, is
 * followed at once by the next, otherwise the loop sleeps for
 * {@code pollInterval} or until {@link #wake()}. A heartbeat renews every claim each
 * {@code min(visibilityTimeout / 3, 1 s)} and brings back cancel requests and lost claims; a
 * reclaim each {@code min(visibilityTimeout / 2, 5 s)} takes over tasks whose worker died. An
 * attempt whose outcome cannot be stored yet (the store is down) keeps its slot and its claim,
 * renewed, so a short outage costs no rerun.
 */
final class Workers implements AttemptRunner.Owner {

  private static final Logger LOG = LoggerFactory.getLogger(Workers.class);

  private final Vertx vertx;
  private final ContextInternal ctx;
  private final TaskQueueOptions options;
  private final Backend backend;
  private final TaskClock clock;
  private final WorkerPool pool;
  private final AttemptRunner runner;
  private final Map<String, Attempt> running = new ConcurrentHashMap<>();
  private final long pollMs;
  private int inFlight;
  private int storing;
  private boolean polling;
  /** A wake-up came while a claim was in flight: claim again as soon as it answers. */
  private boolean wakePending;
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
    this.pollMs = Math.max(1, options.pollInterval().toMillis());
    // Slack in the pool's queue for handlers that outlive their time limit: their slot is freed,
    // their thread is not.
    this.pool = WorkerPool.builder().name("tasks-" + options.name())
        .maxConcurrency(options.concurrency()).maxQueue(options.concurrency())
        .queueTimeout(Duration.ofDays(1)).shedEarly(false).meterRegistry(options.meterRegistry())
        .ticker(options.ticker()).build();
    this.runner = new AttemptRunner(vertx, ctx, options, backend, clock, codec, metrics, registrations,
        pool, this);
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

  /**
   * Polls now instead of at the next poll interval (a task was just submitted here, or the store
   * announced one). A wake-up during a claim is kept and served when that claim answers: that
   * claim may have missed the new task, and waiting a whole poll interval for it would add that
   * much latency.
   */
  void wake() {
    ctx.runOnContext(v -> {
      if (polling) {
        wakePending = true;
        return;
      }
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
    int free = freeSlots();
    if (free <= 0) {
      return;
    }
    polling = true;
    wakePending = false;
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
      } else if (claimed.size() == free || wakePending) {
        pump();
      } else {
        schedulePoll();
      }
    });
  }

  /** Handler slots free, unless too many outcomes wait to be stored. */
  private int freeSlots() {
    int c = options.concurrency();
    return Math.min(c - inFlight, 2 * c - inFlight - storing);
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
    int free = freeSlots();
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
    Attempt a = runner.attempt(c);
    running.put(c.id(), a);
    runner.run(a);
  }

  @Override
  public void decided(Attempt a) {
    inFlight--;
    storing++;
    if (!draining) {
      pump();
    }
  }

  @Override
  public void settled(Attempt a) {
    running.remove(a.claimed.id(), a);
    storing--;
    if (draining) {
      checkDrained();
    } else {
      pump();
    }
  }

  @Override
  public boolean closed() {
    return closed;
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
        runner.release(a);
      }
    }
  }

  private void checkDrained() {
    if (drained != null && inFlight == 0 && storing == 0 && !polling) {
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
      // The pool removes its own meters as it closes.
      pool.close(Duration.ZERO).onComplete(ar -> p.complete());
    });
    return p.future();
  }

  /** Logs the first failure of an outage as a warning, the rest at debug level. */
  @Override
  public void storeFailed(String what, Throwable cause) {
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

  /**
   * Handles {@code f}'s outcome on the queue's context, always as a new event: the in-process
   * store and synchronous handlers complete at once, and handling inline would recurse
   * (settle, claim, run, settle...) without bound.
   */
  private <T> void onCtx(Future<T> f, Handler<AsyncResult<T>> h) {
    f.onComplete(ar -> ctx.runOnContext(v -> h.handle(ar)));
  }

}
