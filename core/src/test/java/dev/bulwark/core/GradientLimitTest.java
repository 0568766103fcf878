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
