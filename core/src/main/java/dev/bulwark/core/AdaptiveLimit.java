package dev.bulwark.core;

import dev.bulwark.core.impl.AimdLimit;
import dev.bulwark.core.impl.GradientLimit;
import java.time.Duration;

/**
 * An immutable description of how a {@link WorkerPool}'s concurrency limit adapts to measured
 * latency, between a minimum and a maximum. Each pool builds its own algorithm from it.
 *
 * <ul>
 *   <li>{@link #aimd AIMD}: additive increase while tasks run faster than a latency threshold and
 *       the pool is at least half busy; multiplicative decrease (x0.9) when one is slower.
 *   <li>{@link #gradient Gradient}: compares latency with a no-load baseline; when latency
 *       climbs past 1.5x the baseline (queueing downstream), the limit shrinks in proportion, and
 *       when a task comes back that slow while more tasks than usual are in flight (requests
 *       piling up), it falls at once to the tasks in flight scaled by the ratio; when latency is
 *       back near the baseline, the limit
 *       grows by a small headroom ({@code sqrt(limit)}). The baseline rises only on tasks that ran
 *       with at most {@code min} in flight, so a dependency saturated by this pool keeps the limit
 *       down, while one that is slower at any concurrency becomes the new baseline once the limit
 *       is at its floor. A probe above the highest limit that held which comes back slow makes
 *       the next probe wait twice as long (32 to 256 samples), so a dependency that serves one
 *       task at a time keeps the limit at 1. Only as many tasks queue as can still finish within
 *       1.5x the baseline. This is the idea of Netflix concurrency-limits' {@code Gradient2Limit}:
 *       by Little's law, a limit above {@code throughput x minimum latency} only adds queueing.
 * </ul>
 *
 * <p>With either, the pool's queue bound follows the limit: {@code maxQueue x limit /
 * maxConcurrency}, rounded up, or the algorithm's {@link Algorithm#queueCapacity} when that is
 * lower.
 */
public abstract class AdaptiveLimit {

  private final int min;
  private final int max;

  protected AdaptiveLimit(int min, int max) {
    if (min < 1) {
      throw new IllegalArgumentException("adaptive limit min must be >= 1, but was " + min);
    }
    if (max < min) {
      throw new IllegalArgumentException("adaptive limit max must be >= min (" + min + "), but was " + max);
    }
    this.min = min;
    this.max = max;
  }

  /**
   * AIMD between {@code min} and {@code max}: a task slower than {@code latencyThreshold} cuts the
   * limit to 90%; otherwise the limit grows by one when at least half of it is in use.
   */
  public static AdaptiveLimit aimd(int min, int max, Duration latencyThreshold) {
    return new AimdLimit.Spec(min, max, latencyThreshold);
  }

  /** A gradient limit between {@code min} and {@code max}; see the class documentation. */
  public static AdaptiveLimit gradient(int min, int max) {
    return new GradientLimit.Spec(min, max);
  }

  /** The lowest limit. */
  public int min() {
    return min;
  }

  /** The highest limit; the pool's threads are sized for it. */
  public int max() {
    return max;
  }

  /** Creates a fresh, single-owner algorithm starting at {@code initial}. */
  public abstract Algorithm newAlgorithm(int initial);

  /**
   * A running limit algorithm. Not thread-safe: the pool calls it under its own lock.
   */
  public interface Algorithm {

    /**
     * Records one finished task and returns the limit to use from now on.
     *
     * @param runNanos how long the task ran
     * @param inFlight tasks running when it finished, itself included
     */
    int onSample(long runNanos, int inFlight);

    /** The current limit. */
    int limit();

    /**
     * How many tasks may wait for a slot at the current limit by the algorithm's own measure, or
     * {@link Integer#MAX_VALUE} when it has none. The pool's queue bound is the lower of this and
     * {@code maxQueue x limit / maxConcurrency}. Read after {@link #onSample}, under the same
     * monitor.
     */
    default int queueCapacity() {
      return Integer.MAX_VALUE;
    }
  }
}
