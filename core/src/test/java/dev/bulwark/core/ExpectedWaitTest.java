package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.rejectedAtOnce;
import static dev.bulwark.core.TestSupport.runAndSettle;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Early shedding: with a learned mean run time of 100 ms (fake time) and a limit of 2, a task at
 * queue position p expects to wait p x 50 ms, so with a 10 s queue timeout, shed above 80% of it
 * (8 s), positions 1..160 are queued and position 161 is shed on arrival.
 */
class ExpectedWaitTest {

  private static final int LIMIT = 2;
  private static final Duration RUN = Duration.ofMillis(100);
  private static final Duration QUEUE_TIMEOUT = Duration.ofSeconds(10);
  private static final int LAST_ADMITTED =
      (int) (QUEUE_TIMEOUT.toNanos() * WorkerPool.SHED_FRACTION * LIMIT / RUN.toNanos());

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private final FakeTicker ticker = new FakeTicker();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gate.open();
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  private WorkerPool pool(boolean shedEarly) {
    return WorkerPool.builder().name("shed").maxConcurrency(LIMIT).maxQueue(1_000)
        .queueTimeout(QUEUE_TIMEOUT).ticker(ticker).shedEarly(shedEarly).build();
  }

  /** Runs a few tasks that each take 100 ms of fake time, so the pool's mean run time is 100 ms. */
  private void learnRunTime() {
    for (int i = 0; i < 3; i++) {
      runAndSettle(pool, () -> {
        ticker.advance(RUN);
        return null;
      });
    }
  }

  /** Fills every slot with a gated task and the queue with {@code n} tasks; all must be queued. */
  private List<Future<Integer>> blockAndQueue(int n) throws InterruptedException {
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      futures.add(pool.submit(gate.task(-1)));
    }
    gate.awaitEntered(LIMIT);
    for (int i = 0; i < n; i++) {
      int value = i;
      futures.add(pool.submit(() -> value));
    }
    assertThat(futures).noneMatch(Future::isComplete);
    assertThat(pool.stats().queued()).isEqualTo(n);
    return futures;
  }

  @Test
  void submit_shedsAtOnceWhenExpectedWaitExceedsQueueTimeout() throws Exception {
    pool = pool(true);
    learnRunTime();
    List<Future<Integer>> admitted = blockAndQueue(LAST_ADMITTED);

    Future<Integer> shed = pool.submit(() -> 42);

    RejectedTaskException e = rejectedAtOnce(shed, RejectionReason.EXPECTED_WAIT);
    assertThat(e.getStackTrace()).isEmpty();
    assertThat(e.active()).isEqualTo(LIMIT);
    assertThat(e.queued()).isEqualTo(LAST_ADMITTED);
    assertThat(LAST_ADMITTED).isEqualTo(160);
    // What the pool holds, (160 + 2) x 100 ms / 2 = 8.1 s, rounded up to whole seconds.
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(9));
    assertThat(e.getMessage()).startsWith("shed - expected wait over queue timeout: 2 active, 160 queued");
    assertThat(pool.stats().queued()).isEqualTo(LAST_ADMITTED);
    assertThat(pool.stats().rejected()).isEqualTo(1);

    gate.open();
    for (Future<Integer> f : admitted) {
      await(f);
    }
  }

  @Test
  void submit_withShedEarlyOff_queuesPastTheExpectedWait() throws Exception {
    pool = pool(false);
    learnRunTime();
    List<Future<Integer>> admitted = blockAndQueue(LAST_ADMITTED + 1);

    assertThat(pool.stats().rejected()).isZero();
    gate.open();
    for (Future<Integer> f : admitted) {
      await(f);
    }
  }

  @Test
  void submit_doesNotShedBeforeAnyRunTimeIsKnown() throws Exception {
    pool = WorkerPool.builder().name("shed").maxConcurrency(1).maxQueue(50)
        .queueTimeout(Duration.ofNanos(1)).ticker(ticker).build();
    Future<Integer> blocker = pool.submit(gate.task(1));
    gate.awaitEntered(1);
    Future<Integer> queued = pool.submit(() -> 2);
    // Only the timer (1 ns) can drop it now, and it does so with QUEUE_TIMEOUT, not EXPECTED_WAIT.
    TestSupport.awaitRejection(queued, RejectionReason.QUEUE_TIMEOUT);
    gate.open();
    assertThat(await(blocker)).isEqualTo(1);
  }
}
