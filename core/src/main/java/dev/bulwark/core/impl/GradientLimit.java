package dev.bulwark.core.impl;

import dev.bulwark.core.AdaptiveLimit;

/**
 * Gradient limit: {@code target = limit x min(1, tolerance x baseline / recent)}, plus a headroom
 * of {@code sqrt(limit)} when latency is at its baseline and the pool is at least half busy. Not
 * thread-safe; the pool calls it under the algorithm's monitor.
 *
 * <p>Implementation note. Two latency estimates, in nanoseconds:
 * <ul>
 *   <li>{@code recent}: a fast exponential average of run times (a few samples), what the
 *       dependency answers now.
 *   <li>{@code baseline}: the no-load latency. It follows {@code recent} down at once (a recovered
 *       dependency) and moves up only on samples that ran with at most {@code min} tasks in
 *       flight: a task that ran (nearly) alone could not have queued behind this pool's own
 *       tasks, so it measures the dependency itself. Queueing that this pool causes therefore
 *       never raises the baseline (the limit keeps falling until latency is back near it), while
 *       a dependency that is slower whatever the concurrency becomes the new baseline once the
 *       limit has reached its floor, and the limit grows again from there.
 * </ul>
 * A decrease takes effect in one sample (bounded to a halving by the gradient's floor of 0.5), so
 * that a saturated dependency stops being fed within a few completions; an increase is smoothed
 * (a fifth of the headroom a sample) so that one fast sample does not open the pool. This is the
 * shape of Netflix concurrency-limits' {@code Gradient2Limit} (tolerance, headroom), with the
 * long-term average replaced by the floor-measured baseline above.
 */
public final class GradientLimit implements AdaptiveLimit.Algorithm {

  static final double RECENT_ALPHA = 0.3;
  static final double BASELINE_ALPHA = 0.02;
  static final double GROWTH_SMOOTHING = 0.2;
  static final double TOLERANCE = 1.5;
  static final double MIN_GRADIENT = 0.5;

  private final int min;
  private final int max;
  private double limit;
  private double recent = -1;
  private double baseline = -1;

  GradientLimit(int min, int max, int initial) {
    this.min = min;
    this.max = max;
    this.limit = initial;
  }

  @Override
  public int onSample(long runNanos, int inFlight) {
    // A clock too coarse for a tiny task reads 0 ns; a zero baseline would make every ratio below
    // 0/0 = NaN, and (int) NaN = 0 would leave the pool with no slots for good.
    double sample = Math.max(1, runNanos);
    if (recent < 0) {
      recent = sample;
      baseline = sample;
      return (int) limit;
    }
    recent += RECENT_ALPHA * (sample - recent);
    if (recent < baseline) {
      baseline = recent;
    } else if (inFlight <= min && sample > baseline) {
      baseline += BASELINE_ALPHA * (sample - baseline);
    }
    double gradient = Math.max(MIN_GRADIENT, Math.min(1.0, TOLERANCE * baseline / recent));
    if (gradient < 1.0) {
      limit = limit * gradient;
    } else if (inFlight * 2 >= limit) {
      limit += GROWTH_SMOOTHING * Math.sqrt(limit);
    }
    limit = Math.max(min, Math.min(max, limit));
    return (int) limit;
  }

  @Override
  public int limit() {
    return (int) limit;
  }

  /** The immutable description behind {@link AdaptiveLimit#gradient}. */
  public static final class Spec extends AdaptiveLimit {

    public Spec(int min, int max) {
      super(min, max);
    }

    @Override
    public AdaptiveLimit.Algorithm newAlgorithm(int initial) {
      return new GradientLimit(min(), max(), initial);
    }

    @Override
    public String toString() {
      return "gradient(min=" + min() + ", max=" + max() + ")";
    }
  }
}
