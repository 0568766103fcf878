package dev.bulwark.core;

import java.time.Duration;

/**
 * Rules of thumb for sizing worker pools, each with its reasoning. Thread-safe (stateless).
 *
 * <ul>
 *   <li><b>Little's law</b>: the number of requests in a system equals their arrival rate times
 *       the time each spends in it. A pool that must sustain {@code throughput} tasks per second
 *       of {@code latency} each needs {@code throughput x latency} slots.
 *   <li><b>Blocking work</b> (Goetz, <i>Java Concurrency in Practice</i>): a task that waits
 *       {@code wait} for every {@code compute} on the CPU keeps one core busy with
 *       {@code 1 + wait/compute} threads, so {@code cores x (1 + wait/compute)}.
 *   <li><b>gunicorn</b>: {@code 2 x cores + 1} worker processes, one reading while another
 *       computes, the Python world's default.
 * </ul>
 */
public final class PoolSizing {

  /**
   * The wait-to-compute ratio assumed by {@link #defaultConcurrency()}: a typical blocking handler
   * spends about 90% of its time waiting on a database or another service.
   */
  public static final double DEFAULT_WAIT_TO_COMPUTE = 9.0;

  private PoolSizing() {
  }

  /**
   * Little's law: slots needed to sustain {@code throughputPerSecond} tasks of {@code latency}.
   *
   * @throws IllegalArgumentException if throughput is not positive or latency not positive
   */
  public static int littlesLaw(double throughputPerSecond, Duration latency) {
    if (!(throughputPerSecond > 0)) {
      throw new IllegalArgumentException("throughputPerSecond must be > 0, but was " + throughputPerSecond);
    }
    if (latency == null || latency.isZero() || latency.isNegative()) {
      throw new IllegalArgumentException("latency must be > 0, but was " + latency);
    }
    double slots = throughputPerSecond * latency.toNanos() / 1e9;
    return (int) Math.max(1, Math.ceil(slots));
  }

  /**
   * {@code cores x (1 + wait/compute)}: threads that keep {@code cores} CPUs busy with tasks that
   * wait {@code wait} for every {@code compute} of CPU time.
   *
   * @throws IllegalArgumentException if cores is not positive, wait is negative or compute not positive
   */
  public static int forBlockingWork(int cores, Duration wait, Duration compute) {
    if (wait == null || wait.isNegative()) {
      throw new IllegalArgumentException("wait must be >= 0, but was " + wait);
    }
    if (compute == null || compute.isZero() || compute.isNegative()) {
      throw new IllegalArgumentException("compute must be > 0, but was " + compute);
    }
    return forBlockingWork(cores, (double) wait.toNanos() / compute.toNanos());
  }

  /**
   * {@code cores x (1 + waitToCompute)}.
   *
   * @throws IllegalArgumentException if cores is not positive or the ratio is negative
   */
  public static int forBlockingWork(int cores, double waitToCompute) {
    if (cores < 1) {
      throw new IllegalArgumentException("cores must be >= 1, but was " + cores);
    }
    if (!(waitToCompute >= 0)) {
      throw new IllegalArgumentException("waitToCompute must be >= 0, but was " + waitToCompute);
    }
    return (int) Math.ceil(cores * (1 + waitToCompute));
  }

  /** gunicorn's recommendation, {@code 2 x cores + 1}. */
  public static int gunicorn(int cores) {
    if (cores < 1) {
      throw new IllegalArgumentException("cores must be >= 1, but was " + cores);
    }
    return 2 * cores + 1;
  }

  /**
   * The default {@code maxConcurrency} of a {@link WorkerPool}:
   * {@code forBlockingWork(availableProcessors, DEFAULT_WAIT_TO_COMPUTE)}, i.e. ten threads per
   * core (20 on two cores, which is also Vert.x's own default worker pool size).
   */
  public static int defaultConcurrency() {
    return forBlockingWork(Runtime.getRuntime().availableProcessors(), DEFAULT_WAIT_TO_COMPUTE);
  }
}
