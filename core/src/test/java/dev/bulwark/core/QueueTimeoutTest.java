package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.awaitRejection;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueueTimeoutTest {

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

  @Test
  void queuedTask_pastDeadlineByTicker_isDroppedWithoutRunning() throws Exception {
    // An hour of real time never passes in this test, so only the fake ticker can expire the task.
    pool = WorkerPool.builder().name("slow").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker).build();
    Future<String> blocker = pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    AtomicBoolean ran = new AtomicBoolean();
    Future<String> queued = pool.submit(() -> {
      ran.set(true);
      return "queued";
    });
    assertThat(pool.stats().queued()).isEqualTo(1);

    ticker.advance(Duration.ofHours(1).plusNanos(1));
    gate.open();

    assertThat(await(blocker)).isEqualTo("blocker");
    RejectedTaskException e = awaitRejection(queued, RejectionReason.QUEUE_TIMEOUT);
    assertThat(e.poolName()).isEqualTo("slow");
    assertThat(e.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    TestSupport.awaitCompleted(pool, 1);
    assertThat(ran).isFalse();
    assertThat(pool.stats().queued()).isZero();
    assertThat(pool.stats().rejected()).isEqualTo(1);
  }

  @Test
  void queuedTask_exactlyAtDeadline_stillRuns() throws Exception {
    pool = WorkerPool.builder().name("slow").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofHours(1)).ticker(ticker).build();
    Future<String> blocker = pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    Future<String> queued = pool.submit(() -> "queued");

    ticker.advance(Duration.ofHours(1));
    gate.open();

    assertThat(await(blocker)).isEqualTo("blocker");
    assertThat(await(queued)).isEqualTo("queued");
  }

  @Test
  void queuedTask_behindStuckWorker_failsAtRealDeadline() throws Exception {
    pool = WorkerPool.builder().name("stuck").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofMillis(100)).build();
    Future<String> blocker = pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    AtomicBoolean ran = new AtomicBoolean();
    Future<String> queued = pool.submit(() -> {
      ran.set(true);
      return "queued";
    });

    RejectedTaskException e = awaitRejection(queued, RejectionReason.QUEUE_TIMEOUT);

    assertThat(blocker.isComplete()).as("worker still blocked").isFalse();
    assertThat(ran).isFalse();
    assertThat(e.active()).isEqualTo(1);
    assertThat(e.queued()).isZero();
    assertThat(pool.stats().queued()).isZero();
    assertThat(pool.stats().active()).isEqualTo(1);

    gate.open();
    assertThat(await(blocker)).isEqualTo("blocker");
    TestSupport.awaitCompleted(pool, 1);
    assertThat(ran).isFalse();
  }

  @Test
  void queuedTasks_behindStuckWorker_eachFailAtTheirOwnDeadline_neverEarlier() throws Exception {
    // One sweep timer serves the whole queue: it must fail the first task at its deadline and
    // then wait for the next one's, not fail every task at the first deadline.
    long timeoutMs = 300;
    pool = WorkerPool.builder().name("sweep").maxConcurrency(1).maxQueue(5)
        .queueTimeout(Duration.ofMillis(timeoutMs)).build();
    Future<String> blocker = pool.submit(gate.task("blocker"));
    gate.awaitEntered(1);
    long[] submitted = new long[3];
    long[] failed = new long[3];
    java.util.List<Future<String>> queued = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      submitted[n] = System.nanoTime();
      queued.add(pool.<String>submit(() -> "ran " + n).onFailure(t -> failed[n] = System.nanoTime()));
      Thread.sleep(100);
    }
    for (int i = 0; i < 3; i++) {
      awaitRejection(queued.get(i), RejectionReason.QUEUE_TIMEOUT);
      assertThat((failed[i] - submitted[i]) / 1_000_000).as("task %d failed after (ms)", i)
          .isGreaterThanOrEqualTo(timeoutMs);
    }
    assertThat(failed[1]).as("the second task fails after the first").isGreaterThan(failed[0]);
    assertThat(failed[2]).as("the third task fails after the second").isGreaterThan(failed[1]);
    assertThat(blocker.isComplete()).as("worker still blocked").isFalse();
    assertThat(pool.stats().queued()).isZero();
  }
}
