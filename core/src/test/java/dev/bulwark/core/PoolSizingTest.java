package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoolSizingTest {

  @Test
  void littlesLaw_isThroughputTimesLatency_roundedUp() {
    assertThat(PoolSizing.littlesLaw(100, Duration.ofMillis(200))).isEqualTo(20);
    assertThat(PoolSizing.littlesLaw(100, Duration.ofMillis(201))).isEqualTo(21);
    assertThat(PoolSizing.littlesLaw(0.5, Duration.ofMillis(1))).isEqualTo(1);
  }

  @Test
  void littlesLaw_rejectsNonPositiveInputs() {
    assertThatThrownBy(() -> PoolSizing.littlesLaw(0, Duration.ofMillis(200)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("throughputPerSecond must be > 0, but was 0.0");
    assertThatThrownBy(() -> PoolSizing.littlesLaw(Double.NaN, Duration.ofMillis(200)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("throughputPerSecond");
    assertThatThrownBy(() -> PoolSizing.littlesLaw(100, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("latency must be > 0, but was PT0S");
    assertThatThrownBy(() -> PoolSizing.littlesLaw(100, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("latency must be > 0, but was null");
  }

  @Test
  void forBlockingWork_isCoresTimesOnePlusWaitOverCompute() {
    assertThat(PoolSizing.forBlockingWork(2, 9.0)).isEqualTo(20);
    assertThat(PoolSizing.forBlockingWork(4, 0.0)).isEqualTo(4);
    assertThat(PoolSizing.forBlockingWork(3, 0.5)).isEqualTo(5);
    assertThat(PoolSizing.forBlockingWork(2, Duration.ofMillis(90), Duration.ofMillis(10)))
        .isEqualTo(20);
  }

  @Test
  void forBlockingWork_rejectsBadInputs() {
    assertThatThrownBy(() -> PoolSizing.forBlockingWork(0, 9.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cores must be >= 1, but was 0");
    assertThatThrownBy(() -> PoolSizing.forBlockingWork(2, -1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("waitToCompute must be >= 0, but was -1.0");
    assertThatThrownBy(() -> PoolSizing.forBlockingWork(2, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("waitToCompute");
    assertThatThrownBy(() -> PoolSizing.forBlockingWork(2, Duration.ofMillis(-1), Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wait must be >= 0, but was PT-0.001S");
    assertThatThrownBy(() -> PoolSizing.forBlockingWork(2, Duration.ofMillis(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("compute must be > 0, but was PT0S");
  }

  @Test
  void gunicorn_isTwiceCoresPlusOne() {
    assertThat(PoolSizing.gunicorn(2)).isEqualTo(5);
    assertThat(PoolSizing.gunicorn(1)).isEqualTo(3);
    assertThatThrownBy(() -> PoolSizing.gunicorn(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cores must be >= 1, but was 0");
  }

  @Test
  void defaultConcurrency_isTenPerCore() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(PoolSizing.defaultConcurrency()).isEqualTo(10 * cores);
  }
}
