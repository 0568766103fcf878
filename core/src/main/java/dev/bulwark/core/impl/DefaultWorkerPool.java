package dev.bulwark.core.impl;

import dev.bulwark.core.AdaptiveLimit;
import dev.bulwark.core.PoolStats;
import dev.bulwark.core.RejectedTaskException;
import dev.bulwark.core.RejectionReason;
import dev.bulwark.core.ThreadKind;
import dev.bulwark.core.Ticker;
import dev.bulwark.core.WorkerPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link WorkerPool} implementation.
 *
 * <p>Implementation note. One lock guards the admission state: {@code active} (tasks holding a
 * slot), the FIFO {@code queue}, the {@code limit}, the run-time average and {@code closed}.
 * Invariants under the lock: {@code active <= max(limit, active at the last limit decrease)} and
 * {@code queue.size() <= maxQueue}; a task is in the queue iff its {@code queued} flag is set.
 * A slot is held by a <em>runner</em>, a loop on one executor thread that runs a task, then takes
 * the next live task from the queue under the lock, and gives its slot back only when the queue
 * is empty (or the limit shrank). So a queued task never needs a second hand-off through the
 * executor, and the executor never holds more than {@code limit} runnables: it is only a thread
 * source (platform threads up to the maximum limit, or a virtual thread per runner).
 *
 * <p>Queue deadlines are enforced twice: when a runner takes a task (by the injectable ticker,
 * so tests can move time by hand) and by one sweep timer per pool, in real time (so a client
 * whose task sits behind stuck workers learns of it at the deadline, not whenever a slot frees).
 * Every task of a pool waits the same timeout and the queue is FIFO (the enqueue time is read
 * under the lock), so deadlines come in queue order: the sweep is armed for the head's deadline,
 * fails every expired task at the head, and re-arms for the new head. A queued task costs no
 * timer of its own (scheduling and cancelling one per task was a third of a dispatch). A task
 * whose submitter abandons it (its client left) is withdrawn from the queue when that happens. All
 * three paths take tasks out of the queue under the lock; whichever does owns the task.
 *
 * <p>Results are delivered on the submitter's Vert.x context with {@link Context#runOnContext}.
 */
public final class DefaultWorkerPool implements WorkerPool {

  private static final double RUN_TIME_ALPHA = 0.1;

  private final String name;
  private final int maxQueue;
  private final long queueTimeoutNanos;
  private final long shedAfterNanos;
  private final boolean shedEarly;
  private final Ticker ticker;
  private final ExecutorService executor;
  private final AdaptiveLimit.Algorithm algorithm;
  private final PoolMetrics metrics;

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Task<?>> queue = new ArrayDeque<>();
  private int active;
  private volatile int limit;
  private double meanRunNanos = -1;
  private long completed;
  private long rejected;
  private boolean closed;
  private Promise<Void> closePromise;
  private Context closeContext;
  private ScheduledFuture<?> graceTimer;
  private ScheduledFuture<?> sweep; // guarded by lock: armed for the queue head's deadline

  public DefaultWorkerPool(String name, int maxConcurrency, int maxQueue, Duration queueTimeout,
      ThreadKind threadKind, AdaptiveLimit adaptiveLimit, boolean shedEarly,
      MeterRegistry registry, Ticker ticker) {
    this.name = name;
    this.maxQueue = maxQueue;
    this.queueTimeoutNanos = queueTimeout.toNanos();
    this.shedAfterNanos = (long) (queueTimeoutNanos * SHED_FRACTION);
    this.shedEarly = shedEarly;
    this.ticker = ticker;
    this.limit = maxConcurrency;
    this.algorithm = adaptiveLimit == null ? null : adaptiveLimit.newAlgorithm(maxConcurrency);
    int threads = adaptiveLimit == null ? maxConcurrency : adaptiveLimit.max();
    this.executor = PoolThreads.executor(name, threadKind, threads);
    this.metrics = registry == null ? PoolMetrics.none()
        : PoolMetrics.register(registry, name, this, p -> p.stats().active(),
            p -> p.stats().queued(), p -> p.limit);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public <T> Future<T> submit(Callable<T> callable) {
    return submit(callable, null);
  }

  @Override
  public <T> Future<T> submit(Callable<T> callable, Future<?> abandoned) {
    java.util.Objects.requireNonNull(callable, "task");
    Task<T> task = new Task<>(callable, Vertx.currentContext(), ticker.read());
    RejectedTaskException rejection = null;
    boolean runNow = false;
    lock.lock();
    try {
      if (closed) {
        rejection = rejectLocked(RejectionReason.SHUTTING_DOWN);
      } else if (active < limit) {
        active++;
        runNow = true;
      } else if (queue.size() >= maxQueue) {
        rejection = rejectLocked(RejectionReason.QUEUE_FULL);
      } else if (shedEarly && expectedWaitLocked(queue.size() + 1) > shedAfterNanos) {
        rejection = rejectLocked(RejectionReason.EXPECTED_WAIT);
      } else {
        task.queued = true;
        task.enqueuedAt = System.nanoTime();
        queue.addLast(task);
        if (sweep == null) {
          armSweepLocked(task);
        }
      }
    } finally {
      lock.unlock();
    }
    if (rejection != null) {
      metrics.rejected(rejection.reason());
      return Future.failedFuture(rejection);
    }
    if (runNow) {
      startRunner(task);
    } else if (abandoned != null) {
      abandoned.onComplete(ar -> withdraw(task));
    }
    return task.promise.future();
  }

  /**
   * Takes an abandoned task out of the queue and fails it, unless a runner or the sweep took it
   * first (then it runs or has expired as usual). The sweep may still be armed for its deadline;
   * it then finds a later head and re-arms for it.
   */
  private void withdraw(Task<?> task) {
    boolean removed;
    lock.lock();
    try {
      removed = task.queued && queue.remove(task);
      task.queued = false;
    } finally {
      lock.unlock();
    }
    if (removed) {
      failRejected(task, RejectionReason.CANCELLED);
    }
  }

  @Override
  public PoolStats stats() {
    lock.lock();
    try {
      return new PoolStats(name, active, queue.size(), limit, maxQueue, completed, rejected);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Future<Void> close(Duration grace) {
    if (grace == null || grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, but was " + grace);
    }
    boolean idle;
    lock.lock();
    try {
      if (closePromise != null) {
        return closePromise.future();
      }
      closed = true;
      closePromise = Promise.promise();
      closeContext = Vertx.currentContext();
      idle = active == 0 && queue.isEmpty();
      if (!idle) {
        graceTimer = PoolThreads.TIMER.schedule(this::graceExpired, grace.toNanos(),
            TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
    Future<Void> result = closePromise.future();
    if (idle) {
      finishClose();
    }
    return result;
  }

  private void startRunner(Task<?> first) {
    try {
      executor.execute(() -> runLoop(first));
    } catch (RejectedExecutionException e) {
      // Only after the grace expired and the executor was shut down.
      lock.lock();
      try {
        active--;
      } finally {
        lock.unlock();
      }
      failRejected(first, RejectionReason.SHUTTING_DOWN);
    }
  }

  private void runLoop(Task<?> first) {
    Task<?> task = first;
    while (task != null) {
      Task<?> done = task;
      long runNanos = runOne(done);
      task = finishAndTakeNext(runNanos, done);
    }
  }

  private long runOne(Task<?> task) {
    long start = ticker.read();
    metrics.queueWait(start - task.submittedAt);
    task.run();
    long runNanos = ticker.read() - start;
    metrics.run(runNanos);
    // A task that was interrupted (at close) must not leave the flag set for the next one.
    Thread.interrupted();
    return runNanos;
  }

  /**
   * Gives back the finished task's slot, or hands it to the next live queued task, then delivers
   * the finished task's result: slot first, so a client that sends its next request the moment
   * it has this answer finds the slot free; the result before a drained pool reports closed.
   */
  private Task<?> finishAndTakeNext(long runNanos, Task<?> finished) {
    List<Task<?>> expired = null;
    List<Task<?>> extraRunners = null;
    Task<?> next = null;
    boolean drained = false;
    lock.lock();
    try {
      completed++;
      meanRunNanos = meanRunNanos < 0 ? runNanos
          : meanRunNanos + RUN_TIME_ALPHA * (runNanos - meanRunNanos);
      if (algorithm != null) {
        limit = algorithm.onSample(runNanos, active);
      }
      if (active <= limit) {
        long now = ticker.read();
        while ((next = queue.pollFirst()) != null) {
          next.queued = false;
          if (now - next.submittedAt <= queueTimeoutNanos) {
            break;
          }
          expired = add(expired, next);
        }
        // A grown adaptive limit opens slots for more runners.
        while (active < limit && !queue.isEmpty()) {
          Task<?> t = queue.pollFirst();
          t.queued = false;
          if (now - t.submittedAt > queueTimeoutNanos) {
            expired = add(expired, t);
          } else {
            active++;
            extraRunners = add(extraRunners, t);
          }
        }
      }
      if (next == null) {
        active--;
        drained = closed && active == 0 && queue.isEmpty();
      }
    } finally {
      lock.unlock();
    }
    finished.deliver();
    if (expired != null) {
      for (Task<?> t : expired) {
        failRejected(t, RejectionReason.QUEUE_TIMEOUT);
      }
    }
    if (extraRunners != null) {
      for (Task<?> t : extraRunners) {
        startRunner(t);
      }
    }
    if (drained) {
      finishClose();
    }
    return next;
  }

  private static <E> List<E> add(List<E> list, E e) {
    List<E> l = list == null ? new ArrayList<>(4) : list;
    l.add(e);
    return l;
  }

  /** Arms the sweep for the first moment {@code head} is past its deadline. */
  private void armSweepLocked(Task<?> head) {
    long delay = head.enqueuedAt + queueTimeoutNanos + 1 - System.nanoTime();
    sweep = PoolThreads.TIMER.schedule(this::sweepExpired, Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  /** Fails the expired tasks at the head of the queue, then re-arms for the new head. */
  private void sweepExpired() {
    List<Task<?>> expired = null;
    lock.lock();
    try {
      sweep = null;
      long now = System.nanoTime();
      Task<?> head;
      while ((head = queue.peekFirst()) != null && now - head.enqueuedAt > queueTimeoutNanos) {
        queue.pollFirst();
        head.queued = false;
        expired = add(expired, head);
      }
      if (head != null) {
        armSweepLocked(head);
      }
    } finally {
      lock.unlock();
    }
    if (expired != null) {
      for (Task<?> t : expired) {
        failRejected(t, RejectionReason.QUEUE_TIMEOUT);
      }
    }
  }

  private void graceExpired() {
    List<Task<?>> dropped;
    lock.lock();
    try {
      dropped = new ArrayList<>(queue);
      for (Task<?> t : dropped) {
        t.queued = false;
      }
      queue.clear();
    } finally {
      lock.unlock();
    }
    for (Task<?> t : dropped) {
      failRejected(t, RejectionReason.SHUTTING_DOWN);
    }
    executor.shutdownNow();
    finishClose();
  }

  private void finishClose() {
    ScheduledFuture<?> timer;
    ScheduledFuture<?> sweeper;
    lock.lock();
    try {
      timer = graceTimer;
      sweeper = sweep;
      sweep = null;
    } finally {
      lock.unlock();
    }
    if (timer != null) {
      timer.cancel(false);
    }
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    executor.shutdown();
    Deliver.on(closeContext, () -> closePromise.tryComplete());
  }

  private void failRejected(Task<?> task, RejectionReason reason) {
    RejectedTaskException e;
    lock.lock();
    try {
      e = rejectLocked(reason);
    } finally {
      lock.unlock();
    }
    metrics.rejected(reason);
    task.fail(e);
  }

  private RejectedTaskException rejectLocked(RejectionReason reason) {
    rejected++;
    int queued = queue.size();
    long retryNanos = meanRunNanos < 0 ? 0 : expectedWaitLocked(queued + active);
    long retrySeconds = Math.max(1, (retryNanos + 999_999_999L) / 1_000_000_000L);
    return new RejectedTaskException(name, reason, active, queued, limit, maxQueue,
        Duration.ofSeconds(retrySeconds));
  }

  /** Expected wait of a task at {@code position} (1-based) in the queue; 0 before any sample. */
  private long expectedWaitLocked(int position) {
    if (meanRunNanos < 0) {
      return 0;
    }
    return (long) (position * meanRunNanos / Math.max(1, limit));
  }

  /** One submitted task: its callable, where to deliver the result, and its queue state. */
  static final class Task<T> {
    final Callable<T> callable;
    final Context context;
    final long submittedAt;
    final Promise<T> promise = Promise.promise();
    boolean queued; // guarded by the pool lock
    long enqueuedAt; // System.nanoTime() when queued, under the pool lock: FIFO order
    private T result; // written and read by the runner thread only
    private Throwable failure;

    Task(Callable<T> callable, Context context, long submittedAt) {
      this.callable = callable;
      this.context = context;
      this.submittedAt = submittedAt;
    }

    /** Runs the callable and keeps its outcome for {@link #deliver()}. */
    void run() {
      try {
        result = callable.call();
      } catch (Throwable t) {
        failure = t;
      }
    }

    /** Completes the future with the outcome of {@link #run()}, on the submitter's context. */
    void deliver() {
      Throwable f = failure;
      if (f != null) {
        fail(f);
      } else {
        T r = result;
        Deliver.on(context, () -> promise.tryComplete(r));
      }
    }

    void fail(Throwable t) {
      Deliver.on(context, () -> promise.tryFail(t));
    }
  }
}
