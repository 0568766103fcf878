package dev.bulwark.core.impl;

import dev.bulwark.core.AdaptiveLimit;
import java.time.Duration;

/** Additive-increase, multiplicative-decrease limit. Not thread-safe; used under the pool lock. */
public final class AimdLimit implements AdaptiveLimit.Algorithm {

  static final double BACKOFF = 0.9;

  private final int min;
  private final int max;
  private final long thresholdNanos;
  private double limit;

  AimdLimit(int min, int max, long thresholdNanos, int initial) {
    this.min = min;
    this.max = max;
    this.thresholdNanos = thresholdNanos;
    this.limit = initial;
  }

  @Override
  public int onSample(long runNanos, int inFlight) {
    if (runNanos > thresholdNanos) {
      limit = Math.max(min, Math.floor(limit * BACKOFF));
    } else if (inFlight * 2 >= limit) {
      limit = Math.min(max, limit + 1);
    }
    return (int) limit;
  }

  @Override
  public int limit() {
    return (int) limit;
  }

  /** The immutable description behind {@link AdaptiveLimit#aimd}. */
  public static final class Spec extends AdaptiveLimit {
    private final Duration threshold;

    public Spec(int min, int max, Duration threshold) {
      super(min, max);
      if (threshold == null || threshold.isZero() || threshold.isNegative()) {
        throw new IllegalArgumentException("aimd latencyThreshold must be > 0, but was " + threshold);
      }
      this.threshold = threshold;
    }

    @Override
    public AdaptiveLimit.Algorithm newAlgorithm(int initial) {
      return new AimdLimit(min(), max(), threshold.toNanos(), initial);
    }

    @Override
    public String toString() {
      return "aimd(min=" + min() + ", max=" + max() + ", latencyThreshold=" + threshold + ")";
    }
  }
}
