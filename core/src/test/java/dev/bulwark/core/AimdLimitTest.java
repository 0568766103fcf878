package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The AIMD algorithm on its own, fed samples by hand. */
class AimdLimitTest {

  private static final long SLOW = Duration.ofMillis(100).toNanos();
  private static final long FAST = Duration.ofMillis(1).toNanos();
  private static final long THRESHOLD = Duration.ofMillis(50).toNanos();

  private final AdaptiveLimit spec = AdaptiveLimit.aimd(2, 8, Duration.ofMillis(50));

  @Test
  void slowSamples_cutTheLimitToNinetyPercent_downToMin() {
    AdaptiveLimit.Algorithm a = spec.newAlgorithm(8);
    assertThat(a.limit()).isEqualTo(8);

    int[] seen = new int[7];
    for (int i = 0; i < seen.length; i++) {
      seen[i] = a.onSample(SLOW, 8);
    }

    assertThat(seen).containsExactly(7, 6, 5, 4, 3, 2, 2);
    assertThat(a.limit()).isEqualTo(2);
  }

  @Test
  void fastSamplesWhileBusy_growTheLimitByOne_upToMax() {
    AdaptiveLimit.Algorithm a = spec.newAlgorithm(4);

    int[] seen = new int[6];
    for (int i = 0; i < seen.length; i++) {
      seen[i] = a.onSample(FAST, a.limit());
    }

    assertThat(seen).containsExactly(5, 6, 7, 8, 8, 8);
  }

  @Test
  void fastSamplesWhileMostlyIdle_leaveTheLimit() {
    AdaptiveLimit.Algorithm a = spec.newAlgorithm(8);

    for (int i = 0; i < 10; i++) {
      assertThat(a.onSample(FAST, 3)).isEqualTo(8);
    }
    // Exactly half busy counts as busy.
    assertThat(a.onSample(FAST, 4)).isEqualTo(8);
    AdaptiveLimit.Algorithm b = spec.newAlgorithm(6);
    assertThat(b.onSample(FAST, 3)).isEqualTo(7);
  }

  @Test
  void sampleAtThreshold_isNotSlow() {
    AdaptiveLimit.Algorithm a = spec.newAlgorithm(4);

    assertThat(a.onSample(THRESHOLD, 4)).isEqualTo(5);
    assertThat(a.onSample(THRESHOLD + 1, 4)).isEqualTo(4);
  }

  @Test
  void spec_describesItself() {
    assertThat(spec.min()).isEqualTo(2);
    assertThat(spec.max()).isEqualTo(8);
    assertThat(spec).hasToString("aimd(min=2, max=8, latencyThreshold=PT0.05S)");
  }
}
