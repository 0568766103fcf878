package dev.bulwark.core.impl;

import dev.bulwark.core.AdaptiveLimit;

/**
 * Gradient limit: when latency exceeds {@code tolerance x baseline}, {@code limit x
 * max(0.5, tolerance x baseline / latency)}, or at once the tasks in flight (at least half the limit) times that ratio when
 * tasks are piling up; while latency is within tolerance and the pool is at least half busy,
 * growth by a smoothed headroom of {@code sqrt(limit)}, held back after failed probes. Not
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
 * Decisions, each for a measured reason (issue 12's run: 8 slots, 100 requests/s, a dependency
 * turning into one lock of 25 ms; {@code AdaptiveScenarioTest} models it):
 * <ul>
 *   <li>A pile-up is cut on the raw sample, to the tasks in flight: a task that comes back over
 *       {@code tolerance x baseline} while clearly more tasks are in flight than usual (1.5x an
 *       average of the in-flight count) or more than the proven limit (a probe) cuts the limit to the tasks in flight (at least half the limit)
 *       times the ratio (at least 0.5), at once. Requests pile up on the lock one per arrival, so
 *       every completion that waits for the average to move lets more in: with the average and
 *       the limit, the 8-slot pool was still admitting 75 ms into the step, and the tasks
 *       admitted then took 100-145 ms; a healthy pool uses 2 of its 8 slots, so a cut of the
 *       unused 8 changes nothing. This way the first slow completion (2x after 50 ms, 4 in
 *       flight where 2 are usual) stops admission. A slow task at the usual concurrency (a
 *       pause, a busy machine) is no pile-up: it moves {@code recent} and the limit is scaled
 *       only once the average is over tolerance, as before; judged on every raw sample, 2% of
 *       healthy runs taking up to 2.5x cost the modelled healthy phase 36 refusals.
 *       Otherwise a decrease scales the limit by the average's gradient.
 *   <li>Growth from a cut is a probe, and a probe that fails is remembered. A cut while the limit
 *       is above the <em>proven</em> limit (the highest that kept latency within tolerance),
 *       whose task ran with more in flight than that, says the extra concurrency is what made it slow: the next probe then waits
 *       {@code hold} good samples, doubled by each failed probe from 32 to 256. Without it,
 *       the limit at the floor of a one-at-a-time dependency probed 2-3 again within a handful
 *       of samples, and more than half of the slow phase's tasks ran two or three deep on the
 *       lock. A cut from noise or from a dependency slowing down by itself (the tasks ran within
 *       the proven limit) does not lengthen the hold, a grown limit that keeps latency within
 *       tolerance for 4 samples becomes the proven one and resets the doubling (the wait under way runs out), and a sample under 90% of
 *       the baseline (the dependency got faster than the floor being held) ends it at once. A failed
 *       probe is a pile-up, cut on its first slow sample: judged on the average, the first
 *       probe after the step (whose in-flight average was still high from the step) ran four
 *       tasks two deep on the lock before the cut; now one.
 *   <li>{@link #queueCapacity}: a queued task at position {@code p} waits {@code p x recent /
 *       limit} and then runs {@code recent}; only the positions that still finish within
 *       {@code tolerance x baseline} are offered, counted at the proven limit so that a probe
 *       gets no queue. At the healthy baseline that is half the limit; at a floor of 1 with
 *       latency above the baseline it is none, so the pool refuses on arrival instead of queueing
 *       a task for twice the run time (the queue of 2 at a limit of 1 added up to 50 ms).
 * </ul>
 * This is the shape of Netflix concurrency-limits' {@code Gradient2Limit} (tolerance, headroom),
 * with the long-term average replaced by the floor-measured baseline and the probe hold above.
 */
public final class GradientLimit implements AdaptiveLimit.Algorithm {

  static final double RECENT_ALPHA = 0.3;
  static final double BASELINE_ALPHA = 0.02;
  static final double GROWTH_SMOOTHING = 0.2;
  static final double TOLERANCE = 1.5;
  static final double MIN_GRADIENT = 0.5;
  static final double USUAL_ALPHA = 0.05;
  /** A sample under this share of the baseline means the dependency got faster: probe at once. */
  static final double FASTER = 0.9;
  /** Good samples to wait, after the first failed probe, before probing again (then doubled). */
  static final int MIN_HOLD = 32;
  static final int MAX_HOLD = 256;
  /** Good samples at a grown limit before it counts as proven (and gets a queue). */
  static final int PROVE_SAMPLES = 4;
  /** Rounding error forgiven when counting whole queue places ({@link #queueCapacity}). */
  static final double CAPACITY_SLACK = 1e-9;

  private final int min;
  private final int max;
  private double limit;
  private double recent = -1;
  private double baseline = -1;
  /** An average of the tasks in flight at completion: how many the load usually keeps busy. */
  private double usual;
  /** The highest limit that ran within tolerance; the queue is sized for it, not for a probe. */
  private int proven;
  private int provenCount;
  /** Good samples to wait after a failed probe before growing again, and how many are left. */
  private int hold;
  private int holdLeft;

  GradientLimit(int min, int max, int initial) {
    this.min = min;
    this.max = max;
    this.limit = initial;
    this.proven = initial;
  }

  @Override
  public int onSample(long runNanos, int inFlight) {
    // A clock too coarse for a tiny task reads 0 ns; a zero baseline would make every ratio below
    // 0/0 = NaN, and (int) NaN = 0 would leave the pool with no slots for good.
    double sample = Math.max(1, runNanos);
    if (recent < 0) {
      recent = sample;
      baseline = sample;
      usual = inFlight;
      return (int) limit;
    }
    if (sample < FASTER * baseline) {
      hold = 0;
      holdLeft = 0;
    }
    recent += RECENT_ALPHA * (sample - recent);
    if (recent < baseline) {
      baseline = recent;
    } else if (inFlight <= min && sample > baseline) {
      baseline += BASELINE_ALPHA * (sample - baseline);
    }
    // Queueing building up: this task came back slow with clearly more in flight than usual, or
    // with more than the proven limit (a probe).
    boolean piling = sample > TOLERANCE * baseline
        && (inFlight > TOLERANCE * usual || inFlight > proven);
    usual += USUAL_ALPHA * (inFlight - usual);
    double latency = piling ? sample : recent;
    double gradient = Math.max(MIN_GRADIENT, Math.min(1.0, TOLERANCE * baseline / latency));
    if (gradient < 1.0) {
      cut(gradient, inFlight, piling);
    } else {
      if ((int) limit > proven && ++provenCount >= PROVE_SAMPLES) {
        proven = (int) limit; // the probe held
        provenCount = 0;
        hold = 0;
      }
      if (holdLeft > 0) {
        holdLeft--;
      } else if (inFlight * 2 >= limit && limit < max) {
        limit = Math.min(max, limit + GROWTH_SMOOTHING * Math.sqrt(limit));
      }
    }
    return (int) limit;
  }

  /**
   * Scales the concurrency that produced the latency, the tasks in flight (at least half the
   * limit, so that one slow sample in a pool that uses little of its limit does not empty it).
   * A task that ran with more in flight than the proven limit, while the limit had grown above
   * it, was a failed probe: the concurrency above the proven limit is what made it slow, so the
   * next probe waits twice as long. Any other
   * cut (the dependency slowed down by itself, or noise) neither lengthens nor restarts the wait.
   */
  private void cut(double gradient, int inFlight, boolean piling) {
    double used = piling ? Math.max(Math.min(limit, inFlight), limit * MIN_GRADIENT) : limit;
    if ((int) limit > proven && inFlight > proven) {
      hold = Math.min(MAX_HOLD, Math.max(MIN_HOLD, hold * 2));
      holdLeft = hold;
    }
    limit = Math.max(min, used * gradient); // used <= limit and gradient <= 1: never a rise
    proven = Math.min(proven, (int) limit);
    provenCount = 0;
  }

  @Override
  public int limit() {
    return (int) limit;
  }

  /**
   * As many tasks as can wait and still finish within {@code TOLERANCE x baseline} at the
   * current latency: position {@code p} waits {@code p x recent / limit}, then runs
   * {@code recent}. Counted at the proven limit, so a probe gets no queue.
   *
   * <p>At the baseline ({@code recent == baseline}, every sample as fast as the fastest) this
   * is exactly {@code proven x (TOLERANCE - 1)}: the ratio is taken first, which is then exactly
   * 1, and a place within {@link #CAPACITY_SLACK} of a whole one counts as whole. Computed as
   * {@code proven x (1.5 x baseline - recent) / recent}, rounding made it 3.99999 at some
   * baselines: the bound of a pool of 8 dropped from 4 to 3 between two equal samples and failed
   * a queued task.
   */
  @Override
  public int queueCapacity() {
    if (recent < 0) {
      return Integer.MAX_VALUE;
    }
    double places = proven * (TOLERANCE * (baseline / recent) - 1); // proven <= limit always
    return places <= 0 ? 0 : (int) (places + CAPACITY_SLACK);
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
