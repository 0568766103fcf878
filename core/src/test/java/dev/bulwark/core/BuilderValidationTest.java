package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BuilderValidationTest {

  static Stream<Arguments> badValues() {
    return Stream.of(
        bad("maxConcurrency 0", b -> b.maxConcurrency(0), "maxConcurrency must be >= 1, but was 0"),
        bad("maxConcurrency -1", b -> b.maxConcurrency(-1), "maxConcurrency must be >= 1, but was -1"),
        bad("maxQueue -3", b -> b.maxQueue(-3), "maxQueue must be >= 0, but was -3"),
        bad("queueTimeout zero", b -> b.queueTimeout(Duration.ZERO),
            "queueTimeout must be > 0, but was PT0S"),
        bad("queueTimeout negative", b -> b.queueTimeout(Duration.ofSeconds(-1)),
            "queueTimeout must be > 0, but was PT-1S"),
        bad("queueTimeout null", b -> b.queueTimeout(null), "queueTimeout must be > 0, but was null"),
        bad("name with space", b -> b.name("bad name"),
            "name must be 1-64 letters, digits, '-', '_' or '.', but was 'bad name'"),
        bad("name empty", b -> b.name(""),
            "name must be 1-64 letters, digits, '-', '_' or '.', but was ''"),
        bad("name null", b -> b.name(null),
            "name must be 1-64 letters, digits, '-', '_' or '.', but was 'null'"),
        bad("name too long", b -> b.name("x".repeat(65)),
            "name must be 1-64 letters, digits, '-', '_' or '.', but was '" + "x".repeat(65) + "'"));
  }

  private static Arguments bad(String label, Consumer<WorkerPool.Builder> setter, String message) {
    return Arguments.of(label, setter, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void setter_rejectsBadValueNamingOptionAndValue(String label, Consumer<WorkerPool.Builder> setter,
      String message) {
    assertThatThrownBy(() -> setter.accept(WorkerPool.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void setter_acceptsBoundaryValues() {
    WorkerPool pool = WorkerPool.builder().name("a-Z_0.9").maxConcurrency(1).maxQueue(0)
        .queueTimeout(Duration.ofNanos(1)).build();
    try {
      assertThat(pool.stats()).isEqualTo(new PoolStats("a-Z_0.9", 0, 0, 1, 0, 0, 0));
      assertThat(pool.name()).isEqualTo("a-Z_0.9");
    } finally {
      TestSupport.await(pool.close(Duration.ZERO));
    }
  }

  @Test
  void nullThreadKindOrTicker_isRefused() {
    assertThatThrownBy(() -> WorkerPool.builder().threadKind(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("threadKind");
    assertThatThrownBy(() -> WorkerPool.builder().ticker(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("ticker");
  }

  @Test
  void build_rejectsAdaptiveRangeNotContainingMaxConcurrency() {
    WorkerPool.Builder above = WorkerPool.builder().maxConcurrency(20)
        .adaptiveLimit(AdaptiveLimit.aimd(2, 10, Duration.ofMillis(50)));
    WorkerPool.Builder below = WorkerPool.builder().maxConcurrency(1)
        .adaptiveLimit(AdaptiveLimit.gradient(2, 10));

    assertThatThrownBy(above::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("maxConcurrency must lie within the adaptive limit's range [2, 10], but was 20");
    assertThatThrownBy(below::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("maxConcurrency must lie within the adaptive limit's range [2, 10], but was 1");
  }

  @Test
  void adaptiveLimit_rejectsBadRanges() {
    assertThatThrownBy(() -> AdaptiveLimit.gradient(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("adaptive limit min must be >= 1, but was 0");
    assertThatThrownBy(() -> AdaptiveLimit.aimd(5, 4, Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("adaptive limit max must be >= min (5), but was 4");
    assertThatThrownBy(() -> AdaptiveLimit.aimd(1, 4, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aimd latencyThreshold must be > 0, but was PT0S");
    assertThatThrownBy(() -> AdaptiveLimit.aimd(1, 4, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aimd latencyThreshold must be > 0, but was null");
  }
}
