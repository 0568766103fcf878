package dev.bulwark.core.impl;

import dev.bulwark.core.AdaptiveLimit;
import dev.bulwark.core.CoarseTicker;
import dev.bulwark.core.PoolStats;
import dev.bulwark.core.RejectedTaskException;
import dev.bulwark.core.RejectionReason;
import dev.bulwark.core.ThreadKind;
import dev.bulwark.core.Ticker;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.core.internal.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link WorkerPool} implementation. Thread-safe; no lock on the task path. Results are
 * delivered on the submitter's Vert.x context (one {@link Context#runOnContext} hop, with the task
 * itself as the handler), or on the worker thread when the submitter had no context.
 *
 * <p>Implementation note. Admission is two counters and a queue:
 * <ul>
 *   <li>{@code active}: slots held. A slot is taken only by compare-and-set from below
 *       {@code limit} ({@link #tryAcquire}), so {@code active <= limit}, except after an adaptive
 *       limit decrease, when holders give their slots back as they finish instead of taking the
 *       next task.
 *   <li>{@code queued}: live queued tasks. A submitter reserves its place by compare-and-set from
 *       below the queue bound <em>before</em> it enqueues, and whoever claims a queued task gives
 *       the place back, so {@code queued <= maxQueue} always and the queue never holds more live
 *       tasks than {@code queued}. The shed-early test uses the reserved position. The bound is
 *       {@code maxQueue}; with an adaptive limit it follows the limit and the algorithm's own
 *       queue capacity ({@link #adapt}), a decrease fails the oldest queued tasks beyond the new
 *       bound at once, and a newcomer's
 *       bound is lowered further by the slots still held over the limit
 *       ({@link #admissionBound}), so that shedding under a falling limit happens on arrival,
 *       not after a wait. A runner that still finds more queued than a shrunken bound (a race
 *       with the decrease) fails the oldest excess tasks as well.
 *   <li>The queue, a {@link ConcurrentLinkedQueue} (FIFO, multi-producer, multi-consumer). A
 *       queued task belongs to whoever wins the compare-and-set of its state from {@code QUEUED}
 *       to {@code TAKEN}: a runner that polled it, the deadline sweep, the close grace, or its own
 *       submitter withdrawing it after a close. Losers skip it; a claimed task may stay linked
 *       for a moment until its owner unlinks it, and is never run or counted again.
 * </ul>
 * A slot is held by a <em>runner</em>, a loop on one executor thread that runs a task, then takes
 * the next live task from the queue, and gives its slot back only when the queue is empty (or the
 * limit shrank). So a queued task needs no second hand-off through the executor, and the
 * executor never holds more than {@code limit} runnables: it is only a thread source. A task goes
 * straight to a slot only when nothing is queued, so arrivals do not overtake the queue.
 *
 * <p>No task is stranded: a submitter enqueues and then tries for a slot ({@link #drain}); a
 * runner gives its slot back and then looks at the queue again. Each writes one variable and then
 * reads the other's (sequentially consistent atomics), so at least one of them sees the other and
 * starts the task.
 *
 * <p>The clocks. A submitter reads the pool's ticker once per queued task (the task's deadline
 * starts there). The runners read it per task, to time the run and to check the deadline of the
 * next task; on the system ticker, a pool with neither a meter registry nor an adaptive limit
 * has them read {@link CoarseTicker} instead (a few volatile loads, refreshed every millisecond, where
 * {@code System.nanoTime()} costs 45-90 ns on a virtual machine: about a tenth of a whole round
 * trip, measured). Neither use needs the finer grain: a coarse reading is never ahead of the
 * precise one, so a deadline checked with it never fails a task early (at worst the check passes
 * a task up to a tick late, which the sweep's own clock does not), and the run-time mean for
 * shedding early averages readings of 0 and 1 ms into the right mean (a task of 0.1 ms spans a
 * tick one time in ten). Metrics (run and wait histograms) and the adaptive limit (latency
 * samples) keep nanoseconds.
 *
 * <p>Queue deadlines are enforced twice: when a runner takes a task (by the injectable ticker) and
 * by one sweep timer per pool in real time, armed for the head's deadline while the queue is not
 * empty (one timer for the whole queue; a timer per task was a third of a dispatch). A task whose
 * submitter abandons it (its client left, {@link #submit(Callable, Future)}) is withdrawn when that
 * happens, by the same claim as the other three owners.
 *
 * <p>Close completes once {@code closed} is set and then {@code queued}, {@code active} and
 * {@code delivering} read zero with no sweep failing tasks. Every path that lowers a count checks
 * again afterwards (the same write-then-read pairing as above); a runner raises
 * {@code delivering} before it gives back its slot and lowers it once its last result is handed
 * to the submitter's context (so a submitter that submits again from the completion finds the
 * slot free), and the sweep and the grace fail a task before it leaves the count, so the close
 * future never overtakes a task's result. A submit racing the close either sees {@code closed} and is
 * rejected, withdraws its own queued task, or is admitted and drained like any other.
 *
 * <p>Benign races, named: (1) enqueue times are read just before the enqueue, so two racing
 * submitters may enter the queue out of time order and the sweep may fail the later one a few
 * microseconds after its deadline; (2) while a runner is between giving back its slot and looking
 * at the queue again, a newcomer may find the slot free and run ahead of a queued task, and a
 * submit that finds the queue full is admitted to a slot that came free in the meantime;
 * (3) the mean run time for shedding is read and written without atomicity, so racing finishers
 * may lose a sample, and a sample within 1/64 of the mean is not written (it is an estimate);
 * (4) {@link #stats()} and rejection messages read the counts one after another; (5) the failing
 * of queued tasks beyond a lowered bound reads {@code queued} before it claims the head, so when
 * a runner claims queued tasks at the same moment it may fail one task that would have fitted.
 *
 * <p>Tracing: when a span is current at submit ({@link Tracing#active()}), the task is wrapped
 * before admission so that it runs with the submitter's OpenTelemetry context, under a
 * {@code run <pool>} span after a {@code wait <pool>} span; a task that never runs ends its wait
 * span as an error. Without the OpenTelemetry API, or on an untraced Vert.x, the task is the
 * caller's own callable and nothing else changes.
 */
public final class DefaultWorkerPool implements WorkerPool {

  private static final double RUN_TIME_ALPHA = 0.1;
  /** Run times a runner on the coarse clock folds into the mean at once. */
  private static final int RUN_SAMPLES = 16;
  /** The weight of {@code k} samples of the same value: 1 - (1 - alpha)^k. */
  private static final double[] RUN_WEIGHT = new double[RUN_SAMPLES + 1];

  static {
    for (int k = 0; k <= RUN_SAMPLES; k++) {
      RUN_WEIGHT[k] = 1 - Math.pow(1 - RUN_TIME_ALPHA, k);
    }
  }
  private static final VarHandle MEAN_RUN;

  static {
    try {
      MEAN_RUN = MethodHandles.lookup().findVarHandle(MeanRunValue.class, "nanos", double.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final int maxQueue;
  private final int initialLimit;
  private final long queueTimeoutNanos;
  private final long shedAfterNanos;
  private final boolean shedEarly;
  private final Ticker ticker;
  private final boolean systemTicker;
  /** The runners' clock: {@link #coarse} when the pool has one, else {@link #ticker}. */
  private final Ticker runClock;
  /** The millisecond clock of a pool whose runners time nothing finer than deadlines; else null. */
  private final CoarseTicker coarse;
  private final ExecutorService executor;
  private final AdaptiveLimit.Algorithm algorithm; // guarded by its own monitor
  private final PoolMetrics metrics;

  /** Bulwark's spans; null without the OpenTelemetry API (see {@link Tracing}). */
  private static final Tracing TRACING = Tracing.get();

  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  /** Results whose slot was given back but whose delivery is not yet handed to its context. */
  private final AtomicInteger delivering = new AtomicInteger();
  private final ConcurrentLinkedQueue<PoolTask<?>> queue = new ConcurrentLinkedQueue<>();
  private final LongAdder completed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final AtomicBoolean sweepArmed = new AtomicBoolean();
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile int limit;
  /** With an adaptive limit, the queue bound for the current limit and latency; else maxQueue. */
  private volatile int queueBound;
  private volatile boolean closed;
  private volatile boolean sweeping; // the sweep is failing tasks it took out of the count
  /** The mean run time, on cache lines of its own (see {@link MeanRun}). */
  private final MeanRun meanRun = new MeanRun();
  private volatile ScheduledFuture<?> sweep;
  private volatile ScheduledFuture<?> graceTimer;
  private Promise<Void> closePromise; // written under the monitor, before closed is set
  private Context closeContext;

  public DefaultWorkerPool(String name, int maxConcurrency, int maxQueue, Duration queueTimeout,
      ThreadKind threadKind, AdaptiveLimit adaptiveLimit, boolean shedEarly,
      MeterRegistry registry, Ticker ticker) {
    this.name = name;
    this.maxQueue = maxQueue;
    this.queueTimeoutNanos = queueTimeout.toNanos();
    this.shedAfterNanos = (long) (queueTimeoutNanos * SHED_FRACTION);
    this.shedEarly = shedEarly;
    // Run and wait times need the nanosecond clock only for metrics and the adaptive limit; the
    // queue deadline and the shed-early mean do with milliseconds (see the class note).
    this.systemTicker = ticker == Ticker.system();
    this.coarse = systemTicker && registry == null && adaptiveLimit == null
        ? CoarseTicker.acquire() : null;
    this.ticker = ticker;
    this.runClock = coarse != null ? coarse : ticker;
    this.limit = maxConcurrency;
    this.initialLimit = maxConcurrency;
    this.queueBound = maxQueue;
    this.algorithm = adaptiveLimit == null ? null : adaptiveLimit.newAlgorithm(maxConcurrency);
    int threads = adaptiveLimit == null ? maxConcurrency : adaptiveLimit.max();
    this.executor = PoolThreads.executor(name, threadKind, threads);
    this.metrics = registry == null ? PoolMetrics.none()
        : PoolMetrics.register(registry, name, this, p -> p.active.get(),
            p -> p.queued.get(), p -> p.limit);
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
    Objects.requireNonNull(callable, "task");
    if (TRACING == null) {
      return admit(callable, abandoned);
    }
    Callable<T> traced = TRACING.poolTask(name, callable);
    Future<T> result = admit(traced, abandoned);
    if (traced != callable) {
      result.onFailure(failure -> TRACING.notRun(traced, failure));
    }
    return result;
  }

  private <T> Future<T> admit(Callable<T> callable, Future<?> abandoned) {
    Context context = Vertx.currentContext();
    if (closed) {
      return Future.failedFuture(reject(RejectionReason.SHUTTING_DOWN, queued.get()));
    }
    if (queued.get() == 0 && tryAcquire()) {
      return runNow(callable, context);
    }
    RejectionReason refused = reserveQueuePlace();
    if (refused != null) {
      if (tryAcquire()) { // a slot came free while the queue looked full (benign race 2)
        return runNow(callable, context);
      }
      return Future.failedFuture(reject(refused, queued.get(), admissionBound()));
    }
    long now = ticker.read();
    PoolTask<T> task = new PoolTask<>(this, callable, context, now);
    task.enqueuedAt = systemTicker ? now : System.nanoTime();
    task.state = PoolTask.QUEUED; // published by the offer
    queue.offer(task);
    if (closed && task.claim()) {
      // Closed while we enqueued: withdraw the task, unless a runner already took it.
      queue.remove(task);
      RejectedTaskException e = reject(RejectionReason.SHUTTING_DOWN, queued.get() - 1);
      queued.decrementAndGet();
      closeCheck();
      return Future.failedFuture(e);
    }
    drain();
    if (!sweepArmed.get() && sweepArmed.compareAndSet(false, true)) {
      armSweep();
    }
    if (abandoned != null) {
      abandoned.onComplete(ar -> withdraw(task));
    }
    return task.promise.future();
  }

  /**
   * Takes an abandoned task out of the queue and fails it, unless a runner, the sweep or the
   * close took it first (then it runs or has failed as usual): whoever wins the task's claim owns
   * it. Failed before it leaves the count, as the sweep does, so a close cannot overtake it.
   */
  private void withdraw(PoolTask<?> task) {
    if (task.claim()) {
      queue.remove(task);
      task.fail(reject(RejectionReason.CANCELLED, queued.get() - 1));
      queued.decrementAndGet();
      closeCheck();
    }
  }

  /**
   * Starts a task that holds a slot already. It never waits in the queue, so it needs no
   * submission time for a deadline: the clock is read only when the queue-wait timer wants it
   * (a clock read costs 25-90 ns on a virtual machine, a tenth of a whole dispatch).
   */
  private <T> Future<T> runNow(Callable<T> callable, Context context) {
    long submittedAt = metrics.enabled() ? ticker.read() : 0L;
    PoolTask<T> task = new PoolTask<>(this, callable, context, submittedAt);
    startRunner(task);
    return task.promise.future();
  }

  @Override
  public PoolStats stats() {
    return new PoolStats(name, active.get(), queued.get(), limit, maxQueue, completed.sum(),
        rejected.sum());
  }

  @Override
  public Future<Void> close(Duration grace) {
    if (grace == null || grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, but was " + grace);
    }
    Promise<Void> promise;
    synchronized (this) {
      if (closePromise != null) {
        return closePromise.future();
      }
      promise = Promise.promise();
      closePromise = promise;
      closeContext = Vertx.currentContext();
      closed = true;
    }
    Future<Void> result = promise.future();
    // The full check, delivering included: a runner that gave back the last slot may still be
    // handing over its result, and the close must not overtake it.
    closeCheck();
    if (!finished.get()) {
      graceTimer = PoolThreads.TIMER.schedule(this::graceExpired, grace.toNanos(),
          TimeUnit.NANOSECONDS);
      if (finished.get()) {
        graceTimer.cancel(false);
      }
    }
    return result;
  }

  /** Takes a slot if one is free under the current limit. */
  private boolean tryAcquire() {
    for (;;) {
      int a = active.get();
      if (a >= limit) {
        return false;
      }
      if (active.compareAndSet(a, a + 1)) {
        return true;
      }
    }
  }

  /** Reserves a place in the queue, or says why the task may not wait. */
  private RejectionReason reserveQueuePlace() {
    int bound = admissionBound();
    for (;;) {
      int q = queued.get();
      if (q >= bound) {
        return RejectionReason.QUEUE_FULL;
      }
      if (shedEarly && expectedWait(q + 1) > shedAfterNanos) {
        return RejectionReason.EXPECTED_WAIT;
      }
      if (queued.compareAndSet(q, q + 1)) {
        return null;
      }
    }
  }

  /** Starts runners for queued tasks while there are free slots. */
  private void drain() {
    // The count first: when every slot is busy (the common case under load) the queue's head,
    // which the runners are polling, is not touched.
    while (active.get() < limit && !queue.isEmpty() && tryAcquire()) {
      PoolTask<?> next = takeLive(runClock.read());
      if (next != null) {
        startRunner(next);
      } else {
        // A runner took the task first. This slot may be the last count a close waits for:
        // that runner's own close check may have run while we held it.
        active.decrementAndGet();
        closeCheck(); // then the loop looks at the queue again
      }
    }
  }

  /**
   * Claims the next queued task still within its deadline, failing the expired ones on the way,
   * and, with an adaptive limit, the oldest ones beyond a queue bound that shrank with the limit
   * or the algorithm's queue capacity (they were admitted for a bound the pool no longer has, and
   * would wait longest).
   */
  private PoolTask<?> takeLive(long now) {
    PoolTask<?> t;
    while ((t = queue.poll()) != null) {
      if (!t.claim()) {
        continue; // withdrawn or swept; its owner accounts for it
      }
      int left = queued.decrementAndGet();
      if (algorithm != null && left >= queueBound) {
        t.fail(reject(RejectionReason.QUEUE_FULL, left));
      } else if (now - t.submittedAt <= queueTimeoutNanos) {
        return t;
      } else {
        t.fail(reject(RejectionReason.QUEUE_TIMEOUT, left));
      }
    }
    return null;
  }

  private void startRunner(PoolTask<?> first) {
    try {
      executor.execute(first);
    } catch (RejectedExecutionException e) {
      // Only after the pool closed and its executor was shut down.
      active.decrementAndGet();
      first.fail(reject(RejectionReason.SHUTTING_DOWN, queued.get()));
      closeCheck();
    }
  }

  /**
   * Runs {@code first}, then queued tasks while the limit allows, holding one slot throughout.
   * A result is delivered after the next task was taken (so the slot stays busy); the last one
   * after the slot is given back, so a caller that submits again from its completion finds the
   * slot free (with a full pool it would be queued, or shed early when the expected wait exceeds
   * the queue timeout). {@link #delivering} keeps a drained pool from reporting closed ahead of
   * that result: it is raised before the slot is given back and lowered once the delivery is
   * handed over, and {@link #closeCheck} reads it after {@code active}. The end of one task is
   * the start of the next, so its run time includes the previous delivery (a hand-off of well
   * under a microsecond).
   */
  void runLoop(PoolTask<?> first) {
    PoolTask<?> task = first;
    long start = runClock.read();
    long pendingRunNanos = 0;
    int pendingRuns = 0;
    while (task != null) {
      metrics.queueWait(start - task.submittedAt);
      task.call();
      long end = runClock.read();
      long runNanos = end - start;
      metrics.run(runNanos);
      // A task that was interrupted (at close) must not leave the flag set for the next one.
      Thread.interrupted();
      if (coarse == null) {
        recordRunTime(runNanos);
      } else {
        pendingRunNanos += runNanos;
        // The first sample goes in at once: shedding early and retry hints wait for a mean.
        if (++pendingRuns == RUN_SAMPLES || meanRun() < 0) {
          recordRunTimes(pendingRunNanos, pendingRuns);
          pendingRunNanos = 0;
          pendingRuns = 0;
        }
      }
      if (algorithm != null) {
        adapt(runNanos);
      }
      PoolTask<?> next = active.get() <= limit ? takeLive(end) : null;
      if (next == null) {
        if (pendingRuns > 0) {
          recordRunTimes(pendingRunNanos, pendingRuns);
        }
        delivering.incrementAndGet();
        active.decrementAndGet();
        completed.increment();
        task.deliver();
        delivering.decrementAndGet();
        drain();
        closeCheck();
      } else {
        task.deliver();
        completed.increment();
        if (algorithm != null) {
          drain(); // a grown limit opens slots for more runners
        }
      }
      task = next;
      start = end; // the next task was taken at the end of this one: one clock read per task
    }
  }

  /**
   * Folds {@code runs} run times of one runner, {@code totalNanos} in all, into the mean, as
   * {@code runs} successive samples of their average would. Two runners folding at the same moment
   * may lose one's batch (benign race 3, now up to 16 samples): the mean is an estimate.
   */
  void recordRunTimes(long totalNanos, int runs) {
    double avg = (double) totalNanos / runs;
    double m = (double) MEAN_RUN.getOpaque(meanRun);
    MEAN_RUN.setOpaque(meanRun, m < 0 ? avg : m + RUN_WEIGHT[runs] * (avg - m));
  }

  /**
   * Folds a run time into the mean. A sample within 1/64 of the mean would move it by less than
   * 0.2%, so it is not written: in a steady state the runners then do not keep invalidating the
   * cache line that every submitter reads (the estimate may lag a slow drift by that 1.6%). On the
   * coarse clock, readings of 0 and 1 ms are never that close to the mean, so such a pool's
   * runners sum {@value #RUN_SAMPLES} run times and fold them in at once
   * ({@link #recordRunTimes}), and the rest when the runner ends; its submitters read the mean
   * only to shed early or to hint a retry.
   */
  private void recordRunTime(long runNanos) {
    double m = (double) MEAN_RUN.getOpaque(meanRun);
    if (m < 0) {
      MEAN_RUN.setOpaque(meanRun, (double) runNanos);
    } else {
      double diff = runNanos - m;
      if (Math.abs(diff) * 64 > m) {
        MEAN_RUN.setOpaque(meanRun, m + RUN_TIME_ALPHA * diff);
      }
    }
  }

  /**
   * Feeds a run time to the algorithm and applies its limit. The queue bound follows the limit in
   * proportion ({@code maxQueue x limit / maxConcurrency}, at most {@code maxQueue}), so a queued
   * task waits for about as many run times at a limit of 1 as at the configured one, instead of
   * behind a queue sized for a limit the pool no longer has; and it is at most the algorithm's
   * {@link AdaptiveLimit.Algorithm#queueCapacity}, the places whose wait still keeps a task's
   * latency within what the algorithm tolerates (a gradient at its floor under a slow
   * dependency offers none, so newcomers are refused on arrival). The bound is written before
   * the limit, so a submitter that sees a lower limit sees the lower bound with it. When the
   * bound falls, the queued tasks beyond it are failed at once ({@link #shedBeyondBound}), by the
   * runner whose sample lowered it, which still holds its slot (so a close cannot finish ahead of
   * those failures).
   */
  private void adapt(long runNanos) {
    boolean lowered = false;
    synchronized (algorithm) {
      int l = algorithm.onSample(runNanos, active.get());
      int bound = Math.min(queueBoundFor(l), Math.max(0, algorithm.queueCapacity()));
      // Each volatile is written only when it changes: every submitter reads both.
      if (bound != queueBound) {
        lowered = bound < queueBound;
        queueBound = bound;
      }
      if (l != limit) {
        limit = l;
      }
    }
    if (lowered) {
      shedBeyondBound();
    }
  }

  /**
   * The queue bound for a newcomer: {@code maxQueue} for a fixed pool; under an adaptive limit,
   * the bound for the limit and latency, less the slots held beyond the limit. After a decrease
   * the holders over the limit finish before the queue moves at all, so a task queued now would
   * wait for them too, longer than the bound means (its run times at the new limit); it is
   * refused at once instead. Tasks already queued keep their places up to the bound itself.
   */
  private int admissionBound() {
    if (algorithm == null) {
      return maxQueue;
    }
    int l = limit;
    return Math.max(0, queueBound - Math.max(0, active.get() - l));
  }

  /**
   * Fails the oldest queued tasks beyond a queue bound that a decrease has just lowered, at once:
   * left to the runners, they would fail only once the slots over the new limit were given back
   * (a run time each), their clients waiting all that while for a 503. Claimed like any queued
   * task, so a runner, the sweep or a withdrawal that got one first keeps it.
   */
  private void shedBeyondBound() {
    PoolTask<?> t;
    while (queued.get() > queueBound && (t = queue.poll()) != null) {
      if (t.claim()) {
        t.fail(reject(RejectionReason.QUEUE_FULL, queued.decrementAndGet()));
      }
    }
  }

  private int queueBoundFor(int l) {
    return (int) Math.min(maxQueue, ((long) maxQueue * l + initialLimit - 1) / initialLimit);
  }

  /** Arms the sweep for the live head's deadline, or disarms it when the queue is empty. */
  private void armSweep() {
    for (;;) {
      PoolTask<?> head = queue.peek();
      if (head != null && !finished.get()) {
        long delay = head.enqueuedAt + queueTimeoutNanos + 1 - System.nanoTime();
        sweep = PoolThreads.TIMER.schedule(this::sweepExpired, Math.max(0, delay),
            TimeUnit.NANOSECONDS);
        return;
      }
      sweepArmed.set(false);
      // A submitter that enqueued after our peek but saw the sweep still armed relies on us.
      if (queue.isEmpty() || finished.get() || !sweepArmed.compareAndSet(false, true)) {
        return;
      }
    }
  }

  /** Fails the expired tasks at the head of the queue, then re-arms for the new head. */
  private void sweepExpired() {
    long now = System.nanoTime();
    PoolTask<?> head;
    sweeping = true; // before queued drops, so a close cannot overtake the failures below
    try {
      while ((head = queue.peek()) != null) {
        if (head.state() == PoolTask.QUEUED && now - head.enqueuedAt <= queueTimeoutNanos) {
          break;
        }
        if (head.claim()) {
          queue.remove(head);
          queued.decrementAndGet();
          head.fail(reject(RejectionReason.QUEUE_TIMEOUT, queued.get()));
        } else {
          queue.remove(head); // a claimed node its owner has not unlinked yet
        }
      }
    } finally {
      sweeping = false;
    }
    closeCheck();
    armSweep();
  }

  private void graceExpired() {
    if (finished.get()) {
      return;
    }
    PoolTask<?> t;
    while ((t = queue.poll()) != null) {
      if (t.claim()) {
        // Failed before it leaves the count, so no other close check finishes ahead of it.
        t.fail(reject(RejectionReason.SHUTTING_DOWN, queued.get() - 1));
        queued.decrementAndGet();
      }
    }
    executor.shutdownNow();
    finishClose();
  }

  /** Finishes the close once it was asked for and nothing is queued or running. */
  private void closeCheck() {
    if (closed && queued.get() == 0 && active.get() == 0 && delivering.get() == 0 && !sweeping) {
      finishClose();
    }
  }

  private void finishClose() {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> timer = graceTimer;
    if (timer != null) {
      timer.cancel(false);
    }
    ScheduledFuture<?> sweeper = sweep;
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    executor.shutdown();
    metrics.remove();
    if (coarse != null) {
      coarse.close();
    }
    Promise<Void> promise = closePromise;
    Deliver.on(closeContext, v -> promise.tryComplete());
  }

  /** Counts a rejection and builds its exception from the pool's state now. */
  private RejectedTaskException reject(RejectionReason reason, int queuedNow) {
    return reject(reason, queuedNow, algorithm == null ? maxQueue : queueBound);
  }

  /** The same, naming {@code bound} as the queue bound that applied. */
  private RejectedTaskException reject(RejectionReason reason, int queuedNow, int bound) {
    rejected.increment();
    metrics.rejected(reason);
    int a = active.get();
    long retryNanos = meanRun() < 0 ? 0 : expectedWait(queuedNow + a);
    long retrySeconds = Math.max(1, (retryNanos + 999_999_999L) / 1_000_000_000L);
    return new RejectedTaskException(name, reason, a, queuedNow, limit, bound,
        Duration.ofSeconds(retrySeconds));
  }

  /** The mean run time in nanoseconds, -1 before the first sample. */
  double meanRun() {
    return (double) MEAN_RUN.getOpaque(meanRun);
  }

  /** Expected wait of a task at {@code position} (1-based) in the queue; 0 before any sample. */
  private long expectedWait(int position) {
    double mean = meanRun();
    if (mean < 0) {
      return 0;
    }
    return (long) (position * mean / Math.max(1, limit));
  }

  /**
   * The pool's mean run time in nanoseconds (opaque access through {@code MEAN_RUN}; -1 before any
   * sample), padded onto cache lines of its own. The runners write it and every submitter reads
   * the pool's {@code limit} and {@code closed} on each submit: as a field of the pool it shared
   * their cache line, and each write took that line away from the event loop. What took the round
   * trip from 0.81-0.84 of a plain executor to about parity was writing it once per 16 tasks
   * ({@link #recordRunTimes}; {@code WorkerPoolPairBenchmark}); the padding measured no further
   * change there, and keeps pools with meters, which still write it per task, off those lines.
   */
  private static final class MeanRun extends MeanRunValue {
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7;
  }

  private static class MeanRunValue extends MeanRunPadding {
    double nanos = -1;
  }

  private static class MeanRunPadding {
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
  }
}
