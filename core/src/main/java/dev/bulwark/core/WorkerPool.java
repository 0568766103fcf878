package dev.bulwark.core;

import dev.bulwark.core.impl.DefaultWorkerPool;
import dev.bulwark.core.internal.OptionChecks;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A bounded pool for blocking work with admission control: at most {@code maxConcurrency} tasks
 * run, at most {@code maxQueue} wait, a task that waited past {@code queueTimeout} is dropped
 * before it runs, and a task whose expected wait already exceeds {@code queueTimeout} is shed on
 * arrival. A rejected task fails its future at once with a {@link RejectedTaskException} that
 * names the reason and suggests a retry delay, so a server can answer 503 with
 * {@code Retry-After} in microseconds instead of collapsing under a queue that grows without bound.
 *
 * <p>Thread-safe. {@link #submit} may be called from any thread; the returned future completes on
 * the caller's Vert.x context when there is one (so the caller's handlers run on its own event
 * loop), otherwise on the worker thread that ran the task.
 */
public interface WorkerPool {

  /** Default {@code maxQueue}: twice the concurrency limit. */
  int DEFAULT_QUEUE_FACTOR = 2;

  /**
   * Default {@code queueTimeout}: 1 second. A client that waited a second in a queue has usually
   * given up or retried already.
   */
  Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(1);

  /**
   * The share of {@code queueTimeout} that a task's expected wait may reach before it is shed on
   * arrival: 0.8. The expected wait is a mean; a task admitted right at the timeout waits past it
   * about half the time and then costs its client the whole timeout for a late 503. Shedding at
   * 80% trades a few admissions for (almost) no late rejections.
   */
  double SHED_FRACTION = 0.8;

  /** Default {@code name}: {@code "default"}. */
  String DEFAULT_NAME = "default";

  /** Starts a builder with the documented defaults. */
  static Builder builder() {
    return new Builder();
  }

  /** The pool's name, used in thread names, metrics tags and rejection messages. */
  String name();

  /**
   * Runs {@code task} on the pool, or rejects it.
   *
   * @return a future completed with the task's result or failure, or failed with a
   *     {@link RejectedTaskException} when the task was not admitted (at once) or waited past the
   *     queue timeout
   */
  <T> Future<T> submit(Callable<T> task);

  /**
   * Runs {@code task} on the pool, or rejects it, like {@link #submit(Callable)}; and when
   * {@code abandoned} completes (succeeded or failed) while the task still waits in the queue, the
   * task leaves the queue at once, never runs, and its future fails with a
   * {@link RejectedTaskException} for {@link RejectionReason#CANCELLED}. A task already running is
   * not interrupted. A server passes a future that completes when the request's client is gone.
   * The default implementation ignores {@code abandoned}.
   *
   * @param abandoned completes when nobody wants the result any more; may never complete
   */
  default <T> Future<T> submit(Callable<T> task, Future<?> abandoned) {
    return submit(task);
  }

  /** A snapshot of the pool's counts. */
  PoolStats stats();

  /**
   * Stops admitting tasks (new ones are rejected with {@link RejectionReason#SHUTTING_DOWN}) and
   * lets running and queued tasks finish within {@code grace}. Tasks still queued when the grace
   * ends are failed with {@code SHUTTING_DOWN}; running ones are interrupted.
   *
   * @return a future that succeeds once every task has finished or been failed, at the latest
   *     shortly after {@code grace}; calling close again returns the same future
   */
  Future<Void> close(Duration grace);

  /**
   * Builder for {@link WorkerPool}. Each setter validates its value and throws
   * {@link IllegalArgumentException} naming the option, the rule and the value. Not thread-safe.
   */
  final class Builder {
    private String name = DEFAULT_NAME;
    private int maxConcurrency = PoolSizing.defaultConcurrency();
    private Integer maxQueue;
    private Duration queueTimeout = DEFAULT_QUEUE_TIMEOUT;
    private ThreadKind threadKind = ThreadKind.PLATFORM;
    private AdaptiveLimit adaptiveLimit;
    private boolean shedEarly = true;
    private MeterRegistry meterRegistry;
    private Ticker ticker = Ticker.system();

    Builder() {
    }

    /** The pool's name (default {@code "default"}): letters, digits, {@code - _ .}. */
    public Builder name(String name) {
      this.name = OptionChecks.name("name", name);
      return this;
    }

    /**
     * Tasks that may run at once (default {@link PoolSizing#defaultConcurrency()}, ten per core).
     * With an adaptive limit this is the starting limit.
     */
    public Builder maxConcurrency(int maxConcurrency) {
      if (maxConcurrency < 1) {
        throw new IllegalArgumentException("maxConcurrency must be >= 1, but was " + maxConcurrency);
      }
      this.maxConcurrency = maxConcurrency;
      return this;
    }

    /** Tasks that may wait for a slot (default twice {@code maxConcurrency}); 0 means no queue. */
    public Builder maxQueue(int maxQueue) {
      if (maxQueue < 0) {
        throw new IllegalArgumentException("maxQueue must be >= 0, but was " + maxQueue);
      }
      this.maxQueue = maxQueue;
      return this;
    }

    /** How long a task may wait for a slot before it is dropped (default 1 s). */
    public Builder queueTimeout(Duration queueTimeout) {
      if (queueTimeout == null || queueTimeout.isZero() || queueTimeout.isNegative()) {
        throw new IllegalArgumentException("queueTimeout must be > 0, but was " + queueTimeout);
      }
      this.queueTimeout = queueTimeout;
      return this;
    }

    /** Platform threads (default) or virtual threads (Java 21+ only). */
    public Builder threadKind(ThreadKind threadKind) {
      this.threadKind = Objects.requireNonNull(threadKind, "threadKind");
      return this;
    }

    /**
     * Lets the limit adapt to measured latency between the spec's min and max (default: fixed).
     * The queue bound then follows the limit in proportion: {@code maxQueue x limit /
     * maxConcurrency}, rounded up, at most {@code maxQueue}, and at most the algorithm's
     * {@link AdaptiveLimit.Algorithm#queueCapacity} (a gradient offers only the places that still
     * finish within 1.5x its baseline latency); when the bound falls, the oldest queued tasks
     * beyond it are rejected at once.
     */
    public Builder adaptiveLimit(AdaptiveLimit adaptiveLimit) {
      this.adaptiveLimit = adaptiveLimit;
      return this;
    }

    /**
     * Whether to reject on arrival a task whose expected wait exceeds {@link #SHED_FRACTION} of
     * {@code queueTimeout} (default true). The expected wait is its place in the queue times the
     * recent mean run time divided by the limit.
     */
    public Builder shedEarly(boolean shedEarly) {
      this.shedEarly = shedEarly;
      return this;
    }

    /**
     * Registry for the pool's metrics (default none): the {@code bulwark.pool.*} meters, tagged
     * {@code pool=<name>}, registered at {@link #build()} and removed when the pool has closed, so
     * a pool built again under the same name reads its own state.
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /** Time source for queue waits and run times (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds and starts the pool.
     *
     * @throws IllegalStateException if virtual threads are asked for on Java before 21, or the
     *     adaptive limit's range does not contain {@code maxConcurrency}
     */
    public WorkerPool build() {
      if (threadKind == ThreadKind.VIRTUAL && !ThreadKind.virtualThreadsAvailable()) {
        throw new IllegalStateException("threadKind VIRTUAL needs Java 21 or later, but this JVM is Java "
            + Runtime.version().feature() + "; use ThreadKind.PLATFORM");
      }
      if (adaptiveLimit != null
          && (maxConcurrency < adaptiveLimit.min() || maxConcurrency > adaptiveLimit.max())) {
        throw new IllegalStateException("maxConcurrency must lie within the adaptive limit's range ["
            + adaptiveLimit.min() + ", " + adaptiveLimit.max() + "], but was " + maxConcurrency);
      }
      int queue = maxQueue != null ? maxQueue : DEFAULT_QUEUE_FACTOR * maxConcurrency;
      return new DefaultWorkerPool(name, maxConcurrency, queue, queueTimeout, threadKind,
          adaptiveLimit, shedEarly, meterRegistry, ticker);
    }
  }
}
