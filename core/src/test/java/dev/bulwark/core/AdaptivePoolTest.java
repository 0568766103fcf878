package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.runAndSettle;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
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

  /** A gradient pool of 8 (min 1) with a queue of 16, its baseline set by one 10 ms task. */
  private void gradientPoolWithBaseline() {
    pool = WorkerPool.builder().name("orders").maxConcurrency(8).maxQueue(16)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.gradient(1, 8)).build();
    runTaking(Duration.ofMillis(10));
  }

  @Test
  void gradient_queueBoundFollowsTheLimit_andExcessIsRejectedAtOnce() throws Exception {
    gradientPoolWithBaseline();
    for (int i = 0; i < 10 && pool.stats().limit() > 1; i++) {
      runTaking(SLOW);
    }
    assertThat(pool.stats().limit()).isEqualTo(1);

    // At a limit of 1 of 8 the queue holds 16 x 1 / 8 = 2, not the configured 16.
    TestSupport.Gate g = gate();
    Future<Integer> running = pool.submit(g.task(0));
    g.awaitEntered(1);
    Future<Integer> first = pool.submit(g.task(1));
    Future<Integer> second = pool.submit(g.task(2));
    Future<Integer> third = pool.submit(g.task(3));

    RejectedTaskException e = TestSupport.rejectedAtOnce(third, RejectionReason.QUEUE_FULL);
    assertThat(e.maxQueue()).isEqualTo(2);
    assertThat(e.limit()).isEqualTo(1);
    assertThat(e.getMessage()).contains("1 active, 2 queued (limit=1, maxQueue=2)");
    g.open();
    assertThat(List.of(await(running), await(first), await(second))).containsExactly(0, 1, 2);
  }

  @Test
  void gradient_limitFallingUnderAFullQueue_rejectsTheOldestBeyondTheNewBound() throws Exception {
    gradientPoolWithBaseline();

    // Eight slow tasks hold every slot and sixteen wait, admitted for a limit of 8.
    TestSupport.Gate slow = gate();
    for (int i = 0; i < 8; i++) {
      pool.submit(() -> {
        ticker.advance(SLOW);
        return slow.task(0).call();
      });
    }
    slow.awaitEntered(8);
    List<Future<Integer>> waiting = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      waiting.add(pool.submit(() -> 0));
    }
    assertThat(pool.stats().queued()).isEqualTo(16);

    slow.open(); // 80x the baseline each: the limit falls, and the queue bound with it
    List<Integer> ran = new ArrayList<>();
    List<Integer> rejected = new ArrayList<>();
    for (int i = 0; i < waiting.size(); i++) {
      Future<Integer> f = waiting.get(i);
      Awaitility.await().atMost(TestSupport.WAIT).until(f::isComplete);
      if (f.succeeded()) {
        ran.add(i);
      } else {
        assertThat(((RejectedTaskException) f.cause()).reason()).isEqualTo(RejectionReason.QUEUE_FULL);
        rejected.add(i);
      }
    }

    assertThat(ran.size() + rejected.size()).isEqualTo(16);
    assertThat(rejected).hasSizeGreaterThanOrEqualTo(8);
    assertThat(ran).isNotEmpty().allSatisfy(r -> assertThat(r).isGreaterThan(rejected.get(rejected.size() - 1)));
  }

  /**
   * Fills every slot of the gradient pool with a task behind its own gate, then moves fake time
   * on by {@link #SLOW} while they run, so each reports a run time of 10x the baseline when let go.
   */
  private List<TestSupport.Gate> holdEverySlotThroughASlowDown() throws InterruptedException {
    List<TestSupport.Gate> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      TestSupport.Gate g = gate();
      held.add(g);
      pool.submit(g.task(i));
      g.awaitEntered(1);
    }
    ticker.advance(SLOW);
    return held;
  }

  /** Lets the first held task finish: its slow sample halves the limit to 4 (queue bound 8). */
  private void finishOneSlowTask(List<TestSupport.Gate> held) {
    held.get(0).open();
    Awaitility.await().atMost(TestSupport.WAIT)
        .until(() -> pool.stats().limit() == 4 && pool.stats().active() == 7);
  }

  @Test
  void gradient_decrease_rejectsQueuedTasksBeyondTheNewBoundAtOnce() throws Exception {
    gradientPoolWithBaseline();
    List<TestSupport.Gate> held = holdEverySlotThroughASlowDown();
    List<Future<Integer>> waiting = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      waiting.add(pool.submit(() -> 0));
    }
    assertThat(pool.stats().queued()).isEqualTo(16);

    finishOneSlowTask(held);

    // Seven slots are still held over the new limit of 4, so no runner takes from the queue for
    // a while; the eight oldest queued tasks beyond the new bound of 8 are told so now anyway.
    for (Future<Integer> f : waiting.subList(0, 8)) {
      Awaitility.await().atMost(TestSupport.WAIT).until(f::isComplete);
      assertThat(((RejectedTaskException) f.cause()).reason()).isEqualTo(RejectionReason.QUEUE_FULL);
    }
    assertThat(waiting.subList(8, 16)).noneMatch(Future::isComplete);
    assertThat(pool.stats().queued()).isEqualTo(8);
    assertThat(pool.stats().active()).isEqualTo(7);
  }

  @Test
  void gradient_newcomerBehindSlotsOverTheLimit_isRejectedAtOnce() throws Exception {
    gradientPoolWithBaseline();
    List<TestSupport.Gate> held = holdEverySlotThroughASlowDown();
    finishOneSlowTask(held);

    // Bound 8 at a limit of 4, but 3 of the 7 held slots must be given back before the queue
    // moves: a newcomer gets 8 - 3 = 5 places.
    List<Future<Integer>> queuedTasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queuedTasks.add(pool.submit(() -> 0));
    }
    assertThat(queuedTasks).noneMatch(Future::isComplete);
    assertThat(pool.stats().queued()).isEqualTo(5);

    RejectedTaskException e = TestSupport.rejectedAtOnce(pool.submit(() -> 0),
        RejectionReason.QUEUE_FULL);
    assertThat(e.getMessage()).contains("7 active, 5 queued (limit=4, maxQueue=5)");

    held.forEach(TestSupport.Gate::open);
    for (Future<Integer> f : queuedTasks) {
      Awaitility.await().atMost(TestSupport.WAIT).until(f::isComplete);
    }
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
