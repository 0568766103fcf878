package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.runAndSettle;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Adaptive limits driven through a real pool, with run times set by a fake ticker. */
class AdaptivePoolTest {

  private static final Duration SLOW = Duration.ofMillis(100);

  private final FakeTicker ticker = new FakeTicker();
  private final List<TestSupport.Gate> gates = new ArrayList<>();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gates.forEach(TestSupport.Gate::open);
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  private TestSupport.Gate gate() {
    TestSupport.Gate g = new TestSupport.Gate();
    gates.add(g);
    return g;
  }

  private int runTaking(Duration fakeRunTime) {
    runAndSettle(pool, () -> {
      ticker.advance(fakeRunTime);
      return null;
    });
    return pool.stats().limit();
  }

  /** Checks that exactly {@code limit} gated tasks run at once and the next one waits. */
  private void assertAdmitsExactly(int limit) throws InterruptedException {
    TestSupport.Gate g = gate();
    long completedBefore = pool.stats().completed();
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i <= limit; i++) {
      futures.add(pool.submit(g.task(i)));
    }
    g.awaitEntered(limit);
    assertThat(pool.stats().active()).isEqualTo(limit);
    assertThat(pool.stats().queued()).isEqualTo(1);
    g.open();
    futures.forEach(TestSupport::await);
    TestSupport.awaitCompleted(pool, completedBefore + limit + 1);
  }

  @Test
  void aimd_growsWhenFastAndBusy_shrinksWhenSlow_withinBounds() throws Exception {
    pool = WorkerPool.builder().name("aimd").maxConcurrency(4).maxQueue(100)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.aimd(2, 8, Duration.ofMillis(50))).build();
    assertThat(pool.stats().limit()).isEqualTo(4);

    // Three slots held, so each fast task finishes with 4 in flight: busy.
    TestSupport.Gate busy = gate();
    for (int i = 0; i < 3; i++) {
      pool.submit(busy.task(i));
    }
    busy.awaitEntered(3);
    List<Integer> growing = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      growing.add(runTaking(Duration.ZERO));
    }
    assertThat(growing).containsExactly(5, 6, 7, 8, 8, 8);
    busy.open();
    TestSupport.awaitCompleted(pool, 9);
    assertThat(pool.stats().limit()).isEqualTo(8);
    assertAdmitsExactly(8);

    List<Integer> shrinking = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      shrinking.add(runTaking(SLOW));
    }
    assertThat(shrinking).containsExactly(7, 6, 5, 4, 3, 2, 2);
    assertAdmitsExactly(2);
  }

  @Test
  void aimd_fastButIdle_keepsTheLimit() {
    pool = WorkerPool.builder().name("aimd").maxConcurrency(6).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.aimd(2, 8, Duration.ofMillis(50))).build();

    for (int i = 0; i < 5; i++) {
      assertThat(runTaking(Duration.ofMillis(1))).isEqualTo(6);
    }
  }

  @Test
  void gradient_shrinksWhenLatencyRisesOverBaseline_withinBounds() throws Exception {
    pool = WorkerPool.builder().name("gradient").maxConcurrency(10).maxQueue(100)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.gradient(2, 20)).build();

    for (int i = 0; i < 5; i++) {
      assertThat(runTaking(Duration.ofMillis(10))).isEqualTo(10);
    }
    List<Integer> limits = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      limits.add(runTaking(SLOW));
    }

    assertThat(limits.get(0)).isLessThan(10);
    assertThat(limits).allSatisfy(l -> assertThat(l).isBetween(2, 20));
    assertThat(limits).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
    assertThat(limits.get(limits.size() - 1)).isEqualTo(2);
    assertAdmitsExactly(2);
  }

  @Test
  void gradient_withZeroRunTimes_keepsRunningTasks() {
    // A ticker that never moves makes every run time 0 ns, as a coarse clock does for tiny tasks.
    pool = WorkerPool.builder().name("gradient").maxConcurrency(10).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.gradient(2, 20)).build();

    for (int i = 0; i < 5; i++) {
      assertThat(runTaking(Duration.ZERO)).isBetween(2, 20);
    }
  }
}
