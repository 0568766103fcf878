package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The gradient algorithm on its own, fed samples by hand. */
class GradientLimitTest {

  private static final long BASE = Duration.ofMillis(10).toNanos();
  private static final int MIN = 2;
  private static final int MAX = 20;

  private final AdaptiveLimit spec = AdaptiveLimit.gradient(MIN, MAX);

  @Test
  void firstSample_setsTheBaselineOnly() {
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);
    assertThat(g.onSample(BASE, 10)).isEqualTo(10);
    assertThat(g.limit()).isEqualTo(10);
  }

  @Test
  void risingLatency_shrinksTheLimit_downToMin() {
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);
    g.onSample(BASE, 10);

    int previous = g.limit();
    int first = g.onSample(10 * BASE, 10);
    assertThat(first).isLessThan(10);
    for (int i = 0; i < 60; i++) {
      int limit = g.onSample(10 * BASE, 10);
      assertThat(limit).isBetween(MIN, previous);
      previous = limit;
    }
    assertThat(g.limit()).isEqualTo(MIN);
  }

  @Test
  void latencyAtBaselineWhileBusy_growsTheLimit_upToMax() {
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);
    g.onSample(BASE, 10);

    int previous = g.limit();
    for (int i = 0; i < 100; i++) {
      int limit = g.onSample(BASE, g.limit());
      assertThat(limit).isBetween(previous, MAX);
      previous = limit;
    }
    assertThat(g.limit()).isEqualTo(MAX);
  }

  @Test
  void smallLatencyNoise_doesNotShrinkTheLimit() {
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);
    g.onSample(BASE, 1);

    for (int i = 0; i < 50; i++) {
      assertThat(g.onSample(BASE * 12 / 10, 1)).isEqualTo(10);
    }
  }

  @Test
  void recoveredLatency_letsTheLimitGrowAgain() {
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);
    g.onSample(BASE, 10);
    for (int i = 0; i < 25; i++) {
      g.onSample(10 * BASE, g.limit());
    }
    assertThat(g.limit()).isEqualTo(MIN);

    for (int i = 0; i < 100; i++) {
      g.onSample(BASE, g.limit());
    }
    assertThat(g.limit()).isEqualTo(MAX);
  }

  @Test
  void sustainedHigherLatency_becomesTheNewBaseline() {
    // The long-term average follows a lasting change, so the limit shrinks at first, then grows back.
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);
    g.onSample(BASE, 10);
    int lowest = g.limit();
    for (int i = 0; i < 300; i++) {
      lowest = Math.min(lowest, g.onSample(10 * BASE, g.limit()));
      assertThat(g.limit()).isBetween(MIN, MAX);
    }
    assertThat(lowest).isEqualTo(MIN);
    assertThat(g.limit()).isEqualTo(MAX);
  }

  /**
   * A dependency that serves one task at a time (behind a lock): a task's latency is its run time
   * times the tasks in flight, so only a lower limit brings latency back. Always saturated: the
   * pool keeps as many tasks in flight as the limit allows.
   */
  private static int serialDependency(AdaptiveLimit.Algorithm g, int samples, int[] highest) {
    for (int i = 0; i < samples; i++) {
      int inFlight = g.limit();
      g.onSample(inFlight * BASE, inFlight);
      highest[0] = Math.max(highest[0], g.limit());
    }
    return g.limit();
  }

  @Test
  void saturatedDependency_limitFallsToWhereLatencyIsNearBaseline_andStaysThere() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(16);
    g.onSample(BASE, 1); // healthy: one task alone takes BASE

    int[] highest = {0};
    assertThat(serialDependency(g, 20, highest)).isLessThanOrEqualTo(2);
    highest[0] = 0;
    // Long after: the queueing the pool's own tasks cause never becomes the baseline, so the limit
    // keeps latency within 2x of a task alone (1 or 2 in flight) instead of creeping back up.
    serialDependency(g, 2_000, highest);
    assertThat(highest[0]).isBetween(1, 2);
  }

  @Test
  void saturatedDependency_fallsWithinAFewSamples() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(16);
    g.onSample(BASE, 1);

    // A decrease applies at once (at most halving a sample): 16 -> 2 in a handful of completions.
    List<Integer> limits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int inFlight = g.limit();
      limits.add(g.onSample(inFlight * BASE, inFlight));
    }
    assertThat(limits).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
    assertThat(limits.get(limits.size() - 1)).isLessThanOrEqualTo(2);
  }

  @Test
  void floor_holdsUnderAnyLatency() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(3, 16).newAlgorithm(16);
    g.onSample(BASE, 16);

    for (int i = 0; i < 200; i++) {
      assertThat(g.onSample(1_000 * BASE, 16)).isGreaterThanOrEqualTo(3);
    }
    assertThat(g.limit()).isEqualTo(3);
  }

  @Test
  void slowerDependencyAtTheFloor_becomesTheBaseline_soTheLimitComesBack() {
    // At the floor a task runs (nearly) alone: what it measures is the dependency, not queueing.
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(16);
    g.onSample(BASE, 1);
    for (int i = 0; i < 10; i++) {
      g.onSample(10 * BASE, g.limit());
    }
    assertThat(g.limit()).isEqualTo(1);

    for (int i = 0; i < 300; i++) {
      g.onSample(10 * BASE, g.limit());
    }
    assertThat(g.limit()).isEqualTo(16);
  }

  @Test
  void recoveryAfterSaturation_growsTheLimitBackToMax_byTheNextProbe() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(16);
    g.onSample(BASE, 1);
    serialDependency(g, 200, new int[1]);
    assertThat(g.limit()).isLessThanOrEqualTo(2);

    // A task alone took BASE throughout, so only a probe can tell that the dependency serves all
    // in parallel again: it comes within the longest hold, and the limit grows from there.
    int previous = g.limit();
    for (int i = 0; i < 256 + 100; i++) {
      int limit = g.onSample(BASE, g.limit());
      assertThat(limit).isGreaterThanOrEqualTo(previous);
      previous = limit;
    }
    assertThat(g.limit()).isEqualTo(16);
  }

  /**
   * The script's slow phase: a healthy 20 ms, then a dependency behind one lock whose task takes
   * 25 ms alone, so a task's latency is 25 ms times the tasks in flight. Always saturated: the pool
   * keeps as many in flight as the limit allows. Returns the limit before each sample.
   */
  private static List<Integer> lockedAfterHealthy(AdaptiveLimit.Algorithm g, int samples) {
    g.onSample(20 * MS, 2);
    List<Integer> limits = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      int inFlight = g.limit();
      limits.add(inFlight);
      g.onSample(inFlight * 25 * MS, inFlight);
    }
    return limits;
  }

  private static final long MS = 1_000_000L;

  @Test
  void lockedDependency_limitHoldsAtTheFloor_probingRarely() {
    List<Integer> limits = lockedAfterHealthy(AdaptiveLimit.gradient(1, 8).newAlgorithm(8), 1_000);

    // After the fall (a handful of samples), a probe of 2 runs tasks two deep (50 ms against
    // 25 ms alone) and is cut at once; each failed probe doubles the wait before the next.
    List<Integer> settled = limits.subList(10, limits.size());
    long probing = settled.stream().filter(l -> l > 1).count();
    assertThat(settled).allSatisfy(l -> assertThat(l).isLessThanOrEqualTo(2));
    assertThat(probing).isLessThanOrEqualTo(settled.size() / 50);
  }

  @Test
  void failedProbes_eachWaitTwiceAsLongAsTheLast_upToTheCap() {
    List<Integer> limits = lockedAfterHealthy(AdaptiveLimit.gradient(1, 8).newAlgorithm(8), 3_000);

    List<Integer> probes = new ArrayList<>();
    for (int i = 10; i < limits.size(); i++) {
      if (limits.get(i) > 1 && limits.get(i - 1) == 1) {
        probes.add(i);
      }
    }
    // Between probes: the hold, then the samples that grow the limit from 1 to 2, the probe's
    // own and those the cut needs to settle (a few, nearly the same each time).
    List<Integer> gaps = new ArrayList<>();
    for (int i = 1; i < probes.size(); i++) {
      gaps.add(probes.get(i) - probes.get(i - 1));
    }
    assertThat(gaps).hasSizeGreaterThanOrEqualTo(8);
    assertThat(gaps.get(0)).isBetween(32, 80);
    for (int i = 1; i < 4; i++) {
      assertThat(gaps.get(i) - 12).isBetween(2 * (gaps.get(i - 1) - 12), 2 * gaps.get(i - 1));
    }
    assertThat(gaps).allSatisfy(gap -> assertThat(gap).isLessThanOrEqualTo(256 + 16));
    assertThat(gaps.get(gaps.size() - 1)).isGreaterThanOrEqualTo(256);
  }

  @Test
  void failedProbe_isCutOnItsFirstSlowTask_evenWhileThePileUpStillWeighsOnTheAverage() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 8).newAlgorithm(8);
    for (int i = 0; i < 20; i++) {
      g.onSample(20 * MS, 2);
    }
    int[][] pileUp = {{25, 3}, {40, 4}, {55, 5}, {70, 6}, {85, 5}, {100, 4}, {115, 3}};
    for (int[] s : pileUp) {
      g.onSample(s[0] * MS, s[1]);
    }
    assertThat(g.limit()).isEqualTo(1);
    for (int i = 0; i < 200 && g.limit() == 1; i++) {
      g.onSample(25 * MS, 1); // alone on the lock
    }
    assertThat(g.limit()).isEqualTo(2);

    // The probe's second task waited for the first: 2x, with 2 in flight where the average of
    // the in-flight count still remembers the pile-up. The limit goes back to 1 on this task.
    assertThat(g.onSample(50 * MS, 2)).isEqualTo(1);
  }

  @Test
  void dependencyFasterThanAtTheHeldFloor_endsTheHold_andTheLimitGrowsAtOnce() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 8).newAlgorithm(8);
    lockedAfterHealthy(g, 2_000); // holds of hundreds of samples by now
    assertThat(g.limit()).isEqualTo(1);

    int samples = 0;
    while (g.limit() < 8 && samples < 100) {
      g.onSample(20 * MS, g.limit()); // the lock is gone: 20 ms at any concurrency
      samples++;
    }
    assertThat(g.limit()).isEqualTo(8);
    assertThat(samples).isLessThan(40);
  }

  /** Samples of good floor latency (25 ms alone) until the limit rises above 1. */
  private static int samplesUntilAProbe(AdaptiveLimit.Algorithm g, int spikeAfter) {
    int n = 0;
    while (g.limit() == 1 && n < 1_000) {
      g.onSample(n == spikeAfter ? 60 * MS : 25 * MS, 1);
      n++;
    }
    return n;
  }

  @Test
  void slowSampleThatWasNoProbe_neitherLengthensNorRestartsTheHold() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 8).newAlgorithm(8);
    List<Integer> limits = lockedAfterHealthy(g, 200);
    // The first failed probe has armed a hold of 32; stop right after its cut.
    int floor = limits.indexOf(1);
    int probe = floor + limits.subList(floor, limits.size()).indexOf(2);
    AdaptiveLimit.Algorithm h = AdaptiveLimit.gradient(1, 8).newAlgorithm(8);
    lockedAfterHealthy(h, probe + 3);
    assertThat(h.limit()).isEqualTo(1);
    AdaptiveLimit.Algorithm quiet = AdaptiveLimit.gradient(1, 8).newAlgorithm(8);
    lockedAfterHealthy(quiet, probe + 3);

    // One task alone comes back slow ten samples into the hold (a pause, not concurrency): it
    // costs the few samples its own slowness keeps the average up, not a new hold of 32.
    int withoutSpike = samplesUntilAProbe(quiet, -1);
    int withSpike = samplesUntilAProbe(h, 10);
    assertThat(withSpike - withoutSpike).as("without %d, with %d", withoutSpike, withSpike)
        .isBetween(1, 8);
  }

  @Test
  void slowSample_withMoreInFlightThanUsual_scalesTheTasksInFlight_notAnUnusedLimit() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(8);
    for (int i = 0; i < 20; i++) {
      g.onSample(BASE, 2); // the load keeps 2 of the 8 busy
    }

    // Tasks are piling up: 2x the baseline with 4 in flight. 4 x 1.5 / 2 = 3, where scaling the
    // limit would leave 6 and keep admitting into the pile.
    assertThat(g.onSample(2 * BASE, 4)).isEqualTo(3);
  }

  @Test
  void slowSample_atTheUsualConcurrency_cutsTheLimitOnlyAsTheAverageMoves() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(8);
    for (int i = 0; i < 20; i++) {
      g.onSample(BASE, 2);
    }

    // One slow task among the usual 2 in flight (a pause, a busy machine): no pile-up, so the
    // decision waits for the average, which this sample moves to 1.45x: no cut.
    assertThat(g.onSample(5 * BASE / 2, 2)).isEqualTo(8);
  }

  @Test
  void queueCapacity_isWhatCanWaitAndStillFinishWithinTolerance() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(8);
    assertThat(g.queueCapacity()).isEqualTo(Integer.MAX_VALUE); // nothing measured yet
    g.onSample(BASE, 1);

    // Position p waits p x 10 / 8 ms, then runs 10 ms: p <= 4 finishes within 15 ms.
    assertThat(g.queueCapacity()).isEqualTo(4);
    g.onSample(3 * BASE, 1); // recent 16 ms, over 1.5x the baseline: no wait fits
    assertThat(g.queueCapacity()).isZero();
  }

  @Test
  void queueCapacity_atTheBaseline_isExactlyHalfTheProvenLimit_whateverTheBaseline() {
    // Each faster sample pulls recent down and the baseline with it (recent == baseline), so the
    // capacity is 8 x 0.5 every time. Rounding once made it 3 at a recent of 4.9 ms (the second
    // sample here), which failed a queued task of a pool whose bound fell from 4 to 3.
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 8).newAlgorithm(8);
    g.onSample(BASE, 8);
    List<Integer> capacities = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      g.onSample(0, 8);
      capacities.add(g.queueCapacity());
    }
    assertThat(capacities).containsOnly(4);
  }

  @Test
  void probe_getsNoQueueUntilItHeldForAFewSamples() {
    AdaptiveLimit.Algorithm g = AdaptiveLimit.gradient(1, 16).newAlgorithm(4);
    g.onSample(BASE, 4);
    assertThat(g.queueCapacity()).isEqualTo(2); // 4 x 0.5

    List<Integer> limits = new ArrayList<>();
    List<Integer> capacities = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      g.onSample(BASE, g.limit());
      limits.add(g.limit());
      capacities.add(g.queueCapacity());
    }
    // Growing to 5 and 6, the queue stays sized for the proven 4 until a grown limit has held
    // for four samples at the baseline; then it is sized for that limit.
    assertThat(limits).containsExactly(4, 4, 5, 5, 6, 6, 7, 7);
    assertThat(capacities).containsExactly(2, 2, 2, 2, 2, 2, 3, 3);
  }

  @ParameterizedTest(name = "run time {0} ns")
  @ValueSource(longs = {0, 1})
  void tinyRunTimes_keepTheLimitWithinBounds(long runNanos) {
    AdaptiveLimit.Algorithm g = spec.newAlgorithm(10);

    for (int i = 0; i < 20; i++) {
      assertThat(g.onSample(runNanos, g.limit())).isBetween(MIN, MAX);
    }
    g.onSample(BASE, g.limit());
    assertThat(g.limit()).isBetween(MIN, MAX);
  }

  @Test
  void spec_describesItself() {
    assertThat(spec).hasToString("gradient(min=2, max=20)");
  }
}
