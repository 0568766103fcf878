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
    assertAdmitsExactly(limit, true);
  }

  /**
   * Checks that exactly {@code limit} gated tasks run at once; the next one waits when
   * {@code extraWaits}, else it is refused at once (the queue has no room at this latency).
   */
  private void assertAdmitsExactly(int limit, boolean extraWaits) throws InterruptedException {
    TestSupport.Gate g = gate();
    long completedBefore = pool.stats().completed();
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i <= limit; i++) {
      futures.add(pool.submit(g.task(i)));
    }
    g.awaitEntered(limit);
    assertThat(pool.stats().active()).isEqualTo(limit);
    Future<Integer> extra = futures.get(limit);
    if (extraWaits) {
      assertThat(pool.stats().queued()).isEqualTo(1);
    } else {
      TestSupport.rejectedAtOnce(extra, RejectionReason.QUEUE_FULL);
      futures.remove(limit);
    }
    g.open();
    futures.forEach(TestSupport::await);
    TestSupport.awaitCompleted(pool, completedBefore + futures.size());
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
    // Tasks take 10x their baseline: none could wait and still finish within the tolerance.
    assertAdmitsExactly(2, false);
  }

  /** A gradient pool of 8 (min 1) with a queue of 16, its baseline set by one 10 ms task. */
  private void gradientPoolWithBaseline() {
    pool = WorkerPool.builder().name("orders").maxConcurrency(8).maxQueue(16)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker)
        .adaptiveLimit(AdaptiveLimit.gradient(1, 8)).build();
    runTaking(Duration.ofMillis(10));
  }

  /** Fills every slot with a task behind {@code g} and waits until they all run. */
  private List<Future<Integer>> holdEverySlot(TestSupport.Gate g, int slots)
      throws InterruptedException {
    List<Future<Integer>> running = new ArrayList<>();
    for (int i = 0; i < slots; i++) {
      running.add(pool.submit(g.task(i)));
    }
    g.awaitEntered(slots);
    return running;
  }

  @Test
  void gradient_queueHoldsWhatCanFinishWithinTolerance_andNothingAtTenTimesTheBaseline()
      throws Exception {
    gradientPoolWithBaseline();

    // At its 10 ms baseline, position p waits p x 10 / 8 ms and then runs 10 ms: four places
    // finish within 1.5 x 10 ms, fewer than the configured 16.
    TestSupport.Gate g = gate();
    List<Future<Integer>> admitted = holdEverySlot(g, 8);
    for (int i = 0; i < 4; i++) {
      admitted.add(pool.submit(g.task(8 + i)));
    }
    assertThat(pool.stats().queued()).isEqualTo(4);
    RejectedTaskException full = TestSupport.rejectedAtOnce(pool.submit(g.task(99)),
        RejectionReason.QUEUE_FULL);
    assertThat(full.getMessage()).contains("8 active, 4 queued (limit=8, maxQueue=4)");
    g.open();
    admitted.forEach(TestSupport::await);
    TestSupport.awaitCompleted(pool, 13);

    for (int i = 0; i < 10 && pool.stats().limit() > 1; i++) {
      runTaking(SLOW);
    }
    assertThat(pool.stats().limit()).isEqualTo(1);
    // Tasks now take 10x the baseline: a newcomer behind the one running is refused on arrival.
    TestSupport.Gate slow = gate();
    Future<Integer> running = pool.submit(slow.task(0));
    slow.awaitEntered(1);
    RejectedTaskException e = TestSupport.rejectedAtOnce(pool.submit(slow.task(1)),
        RejectionReason.QUEUE_FULL);
    assertThat(e.getMessage()).contains("1 active, 0 queued (limit=1, maxQueue=0)");
    slow.open();
    assertThat(await(running)).isZero();
  }

  /**
   * An algorithm the test steers: every sample returns the limit and queue capacity set last, so
   * that the pool's own rules (the bound, shedding on a decrease) are tested apart from any
   * algorithm's arithmetic.
   */
  private static final class Steered extends AdaptiveLimit {
    volatile int nextLimit = 8;
    volatile int capacity = Integer.MAX_VALUE;

    Steered() {
      super(1, 8);
    }

    @Override
    public Algorithm newAlgorithm(int initial) {
      return new Algorithm() {
        @Override
        public int onSample(long runNanos, int inFlight) {
          return nextLimit;
        }

        @Override
        public int limit() {
          return nextLimit;
        }

        @Override
        public int queueCapacity() {
          return capacity;
        }
      };
    }
  }

  private Steered steeredPool() {
    Steered steered = new Steered();
    pool = WorkerPool.builder().name("orders").maxConcurrency(8).maxQueue(16)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker).adaptiveLimit(steered).build();
    return steered;
  }

  /** Eight held slots, each behind its own gate, and sixteen queued tasks admitted for them. */
  private List<TestSupport.Gate> everySlotHeldAndAFullQueue(List<Future<Integer>> waiting)
      throws InterruptedException {
    List<TestSupport.Gate> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      TestSupport.Gate g = gate();
      held.add(g);
      pool.submit(g.task(i));
      g.awaitEntered(1);
    }
    for (int i = 0; i < 16; i++) {
      waiting.add(pool.submit(() -> 0));
    }
    assertThat(pool.stats().queued()).isEqualTo(16);
    return held;
  }

  /** Lets the first held task finish, so that the limit and capacity set last apply. */
  private void finishOne(List<TestSupport.Gate> held, int limit) {
    held.get(0).open();
    Awaitility.await().atMost(TestSupport.WAIT)
        .until(() -> pool.stats().limit() == limit && pool.stats().active() == 7);
  }

  /** Asserts the {@code n} oldest of {@code waiting} were refused and the others still wait. */
  private void assertOldestRefused(List<Future<Integer>> waiting, int n) {
    for (Future<Integer> f : waiting.subList(0, n)) {
      Awaitility.await().atMost(TestSupport.WAIT).until(f::isComplete);
      assertThat(((RejectedTaskException) f.cause()).reason()).isEqualTo(RejectionReason.QUEUE_FULL);
    }
    assertThat(waiting.subList(n, waiting.size())).noneMatch(Future::isComplete);
    assertThat(pool.stats().queued()).isEqualTo(waiting.size() - n);
  }

  @Test
  void decrease_rejectsQueuedTasksBeyondTheNewBoundAtOnce() throws Exception {
    Steered steered = steeredPool();
    List<Future<Integer>> waiting = new ArrayList<>();
    List<TestSupport.Gate> held = everySlotHeldAndAFullQueue(waiting);

    steered.nextLimit = 4; // the bound follows: 16 x 4 / 8 = 8
    finishOne(held, 4);

    // Seven slots are still held over the new limit of 4, so no runner takes from the queue for
    // a while; the eight oldest queued tasks beyond the new bound of 8 are told so now anyway.
    assertOldestRefused(waiting, 8);
    assertThat(pool.stats().active()).isEqualTo(7);
  }

  @Test
  void lowerCapacityAtTheSameLimit_rejectsQueuedTasksBeyondItAtOnce() throws Exception {
    Steered steered = steeredPool();
    List<Future<Integer>> waiting = new ArrayList<>();
    List<TestSupport.Gate> held = everySlotHeldAndAFullQueue(waiting);

    steered.capacity = 3; // latency rose: only three places can still finish in time
    held.get(0).open();

    // The runner whose sample lowered the bound fails the thirteen oldest before it takes the
    // next task, so the three youngest run in its slot.
    for (int i = 0; i < 16; i++) {
      Future<Integer> f = waiting.get(i);
      Awaitility.await().atMost(TestSupport.WAIT).until(f::isComplete);
      if (i < 13) {
        assertThat(((RejectedTaskException) f.cause()).reason())
            .isEqualTo(RejectionReason.QUEUE_FULL);
      } else {
        assertThat(f.result()).isZero();
      }
    }
  }

  @Test
  void limitFallingUnderAFullQueue_rejectsTheOldest_andTheRestRunInOrder() throws Exception {
    Steered steered = steeredPool();
    List<Future<Integer>> waiting = new ArrayList<>();
    List<TestSupport.Gate> held = everySlotHeldAndAFullQueue(waiting);

    steered.nextLimit = 2; // bound 16 x 2 / 8 = 4
    finishOne(held, 2);
    assertOldestRefused(waiting, 12);

    held.forEach(TestSupport.Gate::open);
    assertThat(waiting.subList(12, 16).stream().map(TestSupport::await).toList())
        .containsExactly(0, 0, 0, 0);
  }

  @Test
  void newcomerBehindSlotsOverTheLimit_isRejectedAtOnce() throws Exception {
    Steered steered = steeredPool();
    TestSupport.Gate g = gate();
    holdEverySlot(g, 7);
    TestSupport.Gate last = gate();
    pool.submit(last.task(7));
    last.awaitEntered(1);
    steered.nextLimit = 4;
    last.open();
    Awaitility.await().atMost(TestSupport.WAIT)
        .until(() -> pool.stats().limit() == 4 && pool.stats().active() == 7);

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

    g.open();
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
