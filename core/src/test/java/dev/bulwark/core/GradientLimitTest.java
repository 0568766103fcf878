package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
