package dev.bulwark.core.impl;

import dev.bulwark.core.AdaptiveLimit;

/**
 * Gradient limit: {@code newLimit = limit x (longLatency / shortLatency) + sqrt(limit)}, smoothed.
 * The long-term latency is a slow exponential average (the baseline), the short-term one a fast
 * average. When queueing downstream raises latency, the ratio drops below one and the limit
 * shrinks; at baseline latency it grows by the headroom. Not thread-safe; used under the pool lock.
 */
public final class GradientLimit implements AdaptiveLimit.Algorithm {

  private static final double SHORT_ALPHA = 0.1;
  private static final double LONG_ALPHA = 0.01;
  private static final double SMOOTHING = 0.2;
  private static final double TOLERANCE = 1.5;

  private final int min;
  private final int max;
  private double limit;
  private double shortNanos = -1;
  private double longNanos = -1;

  GradientLimit(int min, int max, int initial) {
    this.min = min;
    this.max = max;
    this.limit = initial;
  }

  @Override
  public int onSample(long runNanos, int inFlight) {
    // A clock too coarse for a tiny task reads 0 ns; two such samples would make the ratio below
    // 0/0 = NaN, and (int) NaN = 0 would leave the pool with no slots for good.
    double sample = Math.max(1, runNanos);
    if (shortNanos < 0) {
      shortNanos = sample;
      longNanos = sample;
      return (int) limit;
    }
    shortNanos += SHORT_ALPHA * (sample - shortNanos);
    longNanos += LONG_ALPHA * (sample - longNanos);
    if (longNanos / shortNanos > 2) {
      // Latency fell well below the long-term level (a recovered dependency): let the
      // baseline catch up faster so the limit can grow again.
      longNanos = shortNanos * 2;
    }
    // The gradient tolerates some noise above the baseline before shrinking the limit.
    double gradient = Math.max(0.5, Math.min(1.0, TOLERANCE * longNanos / shortNanos));
    double target = limit * gradient;
    if (gradient >= 1.0 && inFlight * 2 >= limit) {
      target += Math.sqrt(limit);
    }
    limit = limit * (1 - SMOOTHING) + target * SMOOTHING;
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
