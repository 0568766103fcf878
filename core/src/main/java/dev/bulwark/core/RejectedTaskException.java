package dev.bulwark.core;

import io.vertx.core.VertxException;
import java.time.Duration;

/**
 * A {@link WorkerPool} did not run a task. Rejection under load is expected, not exceptional, so
 * this exception is cheap: it has no stack trace, and its message carries the pool state that
 * explains it, e.g. {@code orders - queue full: 32 active, 100 queued (limit=32, maxQueue=100),
 * retry after 1s}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RejectedTaskException extends VertxException implements Overloaded {

  private static final long serialVersionUID = 1L;

  private final String poolName;
  private final RejectionReason reason;
  private final int active;
  private final int queued;
  private final int limit;
  private final int maxQueue;
  private final Duration retryAfter;

  public RejectedTaskException(String poolName, RejectionReason reason, int active, int queued,
      int limit, int maxQueue, Duration retryAfter) {
    super(poolName + " - " + reason.description() + ": " + active + " active, " + queued
        + " queued (limit=" + limit + ", maxQueue=" + maxQueue + "), retry after "
        + retryAfter.toSeconds() + "s", true);
    this.poolName = poolName;
    this.reason = reason;
    this.active = active;
    this.queued = queued;
    this.limit = limit;
    this.maxQueue = maxQueue;
    this.retryAfter = retryAfter;
  }

  /** The name of the pool that rejected the task. */
  public String poolName() {
    return poolName;
  }

  /** Why the task was rejected. */
  public RejectionReason reason() {
    return reason;
  }

  /** Tasks running when the task was rejected. */
  public int active() {
    return active;
  }

  /** Tasks queued when the task was rejected. */
  public int queued() {
    return queued;
  }

  /** The concurrency limit in force when the task was rejected. */
  public int limit() {
    return limit;
  }

  /**
   * The queue bound in force when the task was rejected: {@code maxQueue}, or with an adaptive
   * limit the share of it that follows the current limit, or the algorithm's queue capacity
   * when that is lower, less (for a newcomer) the slots still held over a limit that just fell.
   */
  public int maxQueue() {
    return maxQueue;
  }

  /**
   * A suggested delay before retrying: the time the pool needs to work off what it holds now,
   * rounded up to whole seconds, at least one second (suitable for an HTTP {@code Retry-After}).
   */
  @Override
  public Duration retryAfter() {
    return retryAfter;
  }
}
