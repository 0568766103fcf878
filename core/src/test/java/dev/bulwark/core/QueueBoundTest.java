package dev.bulwark.core;

import static dev.bulwark.core.TestSupport.await;
import static dev.bulwark.core.TestSupport.rejectedAtOnce;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueueBoundTest {

  private final TestSupport.Gate gate = new TestSupport.Gate();
  private WorkerPool pool;

  @AfterEach
  void release() {
    gate.open();
    if (pool != null) {
      await(pool.close(Duration.ofSeconds(1)));
    }
  }

  @ParameterizedTest(name = "maxConcurrency={0}, maxQueue={1}")
  @CsvSource({"1, 0", "2, 3", "4, 10"})
  void submit_rejectsAtOnceWhenQueueFull(int n, int q) throws Exception {
    pool = WorkerPool.builder().name("orders").maxConcurrency(n).maxQueue(q).build();
    List<Future<Integer>> admitted = new ArrayList<>();
    for (int i = 0; i < n + q; i++) {
      admitted.add(pool.submit(gate.task(i)));
    }
    gate.awaitEntered(n);

    Future<Integer> extra = pool.submit(() -> 99);

    RejectedTaskException e = rejectedAtOnce(extra, RejectionReason.QUEUE_FULL);
    assertThat(e.getMessage()).isEqualTo("orders - queue full: " + n + " active, " + q
        + " queued (limit=" + n + ", maxQueue=" + q + "), retry after 1s");
    assertThat(e.poolName()).isEqualTo("orders");
    assertThat(e.active()).isEqualTo(n);
    assertThat(e.queued()).isEqualTo(q);
    assertThat(e.limit()).isEqualTo(n);
    assertThat(e.maxQueue()).isEqualTo(q);
    assertThat(e.getStackTrace()).isEmpty();
    assertThat(pool.stats()).isEqualTo(new PoolStats("orders", n, q, n, q, 0, 1));
    assertThat(admitted).noneMatch(Future::isComplete);

    gate.open();
    for (int i = 0; i < n + q; i++) {
      assertThat(await(admitted.get(i))).isEqualTo(i);
    }
  }

  @Test
  void submit_admitsAgainOnceTheQueueHasRoom() throws Exception {
    pool = WorkerPool.builder().name("orders").maxConcurrency(1).maxQueue(1).build();
    Future<String> running = pool.submit(gate.task("running"));
    Future<String> queued = pool.submit(() -> "queued");
    gate.awaitEntered(1);
    rejectedAtOnce(pool.submit(() -> "extra"), RejectionReason.QUEUE_FULL);

    gate.open();
    assertThat(await(running)).isEqualTo("running");
    assertThat(await(queued)).isEqualTo("queued");
    assertThat(TestSupport.runAndSettle(pool, () -> "later")).isEqualTo("later");
    assertThat(pool.stats().rejected()).isEqualTo(1);
  }

  @Test
  void builder_defaultQueueIsTwiceTheConcurrency() {
    pool = WorkerPool.builder().maxConcurrency(3).build();
    assertThat(pool.stats().maxQueue()).isEqualTo(3 * WorkerPool.DEFAULT_QUEUE_FACTOR);
    assertThat(pool.stats().name()).isEqualTo(WorkerPool.DEFAULT_NAME);
  }
}
