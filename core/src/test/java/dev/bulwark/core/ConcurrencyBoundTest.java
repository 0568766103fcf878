package dev.bulwark.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConcurrencyBoundTest {

  private static final int SUBMITTERS = 8;
  private static final int TASKS_EACH = 500;

  private WorkerPool pool;

  @AfterEach
  void closePool() {
    if (pool != null) {
      TestSupport.await(pool.close(Duration.ofSeconds(1)));
    }
  }

  static Stream<Arguments> configurations() {
    UnaryOperator<WorkerPool.Builder> fixed = b -> b;
    // Every task is "slow" against a 1 ns threshold, so AIMD pins the limit at its min (4) while
    // the pool keeps threads for its max (16): only admission control holds the bound.
    UnaryOperator<WorkerPool.Builder> spareThreads =
        b -> b.adaptiveLimit(AdaptiveLimit.aimd(4, 16, Duration.ofNanos(1)));
    return Stream.of(
        Arguments.of("fixed", 1, fixed),
        Arguments.of("fixed", 4, fixed),
        Arguments.of("fixed", 16, fixed),
        Arguments.of("aimd pinned at min, spare threads", 4, spareThreads));
  }

  @ParameterizedTest(name = "{0}, limit={1}")
  @MethodSource("configurations")
  void submit_neverRunsMoreThanTheLimit_andReachesIt(String label, int limit,
      UnaryOperator<WorkerPool.Builder> config) throws Exception {
    pool = config.apply(WorkerPool.builder()
        .name("race")
        .maxConcurrency(limit)
        .maxQueue(SUBMITTERS * TASKS_EACH)
        .queueTimeout(Duration.ofHours(1))
        .shedEarly(false))
        .build();

    ConcurrencyRace.Result r = ConcurrencyRace.run(pool, limit, SUBMITTERS, TASKS_EACH,
        t -> t.getName().matches("bulwark-race-\\d+"));

    assertThat(r.firstFailure()).isNull();
    assertThat(r.maxRunning()).isEqualTo(limit);
    assertThat(r.succeeded()).isEqualTo(r.total());
    Awaitility.await().atMost(TestSupport.WAIT).until(() -> pool.stats().completed() == r.total());
    PoolStats stats = pool.stats();
    assertThat(stats.limit()).isEqualTo(limit);
    assertThat(stats.active()).isZero();
    assertThat(stats.queued()).isZero();
    assertThat(stats.rejected()).isZero();
  }
}
